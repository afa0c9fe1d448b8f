"""Original text of the demo's trust pages (the newsroom and everyone in it are fictional)."""

from pages.models import TrustPage

DEMO_PAGES = {
    TrustPage.Kind.ABOUT: (
        "About us",
        "Who we are, who pays for our journalism and the principles our reporters and editors work by.",
        "<p>The Newsroom is an independent, reader-funded news site covering Japan and the world from Tokyo. "
        "This is a demonstration site: every story, person and photo on it is made up.</p>"
        "<h2>Ownership and funding</h2>"
        "<p>We are owned by a non-profit trust. Our money comes from subscriptions and donations; "
        "no advertiser, government or political party funds us or sees a story before it is published.</p>"
        "<h2>Our principles</h2>"
        "<ul><li>We check every fact we publish with at least one source we can name to our editors.</li>"
        "<li>We separate news from opinion, and label opinion as such.</li>"
        "<li>We give the people we write about a fair chance to respond before publication.</li>"
        "<li>We correct our mistakes promptly and openly (see our corrections policy).</li></ul>"
        "<h2>Who we are</h2>"
        "<p>A desk of editors in Tokyo and reporters in Osaka, Sapporo and Fukuoka. Every story carries "
        "the names of the people who wrote it; their pages list what they have written.</p>",
    ),
    TrustPage.Kind.CONTACT: (
        "Contact",
        "How to reach the newsroom: news tips, questions about a story, corrections and everything else.",
        "<p>We read everything readers send us, and we answer questions about our stories.</p>"
        "<h2>News tips</h2>"
        '<p>Write to <a href="mailto:tips@newsroom.example">tips@newsroom.example</a>. Tell us how to reach you; '
        "we never name a source who asked not to be named.</p>"
        "<h2>Something wrong in a story?</h2>"
        '<p>Write to <a href="mailto:corrections@newsroom.example">corrections@newsroom.example</a> with the '
        "story's address and what you think is wrong. An editor who did not work on the story reviews it.</p>"
        "<h2>Everything else</h2>"
        '<p>The desk: <a href="mailto:desk@newsroom.example">desk@newsroom.example</a>. '
        "Post: The Newsroom, 1-2-3 Example-cho, Chiyoda-ku, Tokyo.</p>",
    ),
    TrustPage.Kind.CORRECTIONS_POLICY: (
        "Corrections policy",
        "How we correct mistakes: promptly, on the story itself, and in a public list of corrections.",
        "<p>We make mistakes, and we fix them in the open.</p>"
        "<h2>How we correct</h2>"
        "<ul><li>A factual error is corrected in the story as soon as an editor confirms it.</li>"
        "<li>A note under the story's time says what was wrong and when it was corrected; "
        "we do not quietly change facts.</li>"
        "<li>Every correction also appears on our public corrections page, newest first.</li>"
        "<li>Updates that add new information are marked as updates, not corrections.</li></ul>"
        "<h2>How we check</h2>"
        "<p>An editor who did not work on the story reviews each report of an error against the "
        "reporter's notes and sources, and answers the reader who sent it.</p>",
    ),
    TrustPage.Kind.PRIVACY: (
        "Privacy",
        "What we record when you read our stories, and what we never do.",
        "<p>Reading The Newsroom needs no account and sets no advertising or tracking cookies.</p>"
        "<h2>What we count</h2>"
        "<p>To rank our most-read stories we count page views. A view is counted from your network "
        "address and browser name for at most 30 minutes, to skip repeats, and then only the total "
        "per story and hour is kept.</p>"
        "<h2>What we never do</h2>"
        "<ul><li>We load no third-party scripts: share links are plain links that send nothing until you click.</li>"
        "<li>We sell no data and share none with advertisers.</li></ul>"
        '<p>Questions: <a href="mailto:privacy@newsroom.example">privacy@newsroom.example</a>.</p>',
    ),
    TrustPage.Kind.TERMS: (
        "Terms of use",
        "The rules for using this site and our stories.",
        "<p>You may read, link to and share our stories freely. Quoting short passages with a link "
        "to the story is welcome; republishing whole stories needs our written permission.</p>"
        "<h2>Photos</h2>"
        "<p>Photos belong to the photographers credited under them and may not be reused without permission.</p>"
        "<h2>No warranty</h2>"
        "<p>We work hard to be accurate, and correct what we get wrong, but the site is provided as it is.</p>",
    ),
}
