"""Short news briefs for the demo, made by combining invented pieces, so every section pages.

``articles.demo_content`` holds the demo's hand-written stories (a few per section, with
photos). A real section holds far more than one page of stories, so this module adds
``BRIEFS_PER_SECTION`` briefs to each section: text-only stories, older than the
hand-written ones, each built from one section's subjects, places and follow-up lines.
Everything is deterministic (the same briefs, keys and times on every run) and fictional,
like the rest of the demo. ``briefs()`` returns specs in ``demo_content.ARTICLES``' shape,
with ``scene=None`` (no photo).
"""

from __future__ import annotations

BRIEFS_PER_SECTION = 22
# Briefs are published from two days to about six weeks before seeding, oldest last.
FIRST_AGO_HOURS = 40
SPACING_HOURS = 7

PLACES = [
    ("TOKYO", "Tokyo"),
    ("OSAKA", "Osaka"),
    ("SAPPORO", "Sapporo"),
    ("FUKUOKA", "Fukuoka"),
    ("NAGOYA", "Nagoya"),
    ("SENDAI", "Sendai"),
    ("HIROSHIMA", "Hiroshima"),
    ("KOBE", "Kobe"),
    ("NIIGATA", "Niigata"),
    ("KANAZAWA", "Kanazawa"),
    ("NAHA", "Naha"),
]

# Per section: its writers, its tags, and what its briefs are about. A subject is
# (headline with {place}, deck, first paragraph with {place} and {n}, tag).
SECTION_BRIEFS = {
    "politics": {
        "authors": ["kenji-morita", "aiko-tanabe"],
        "subjects": [
            (
                "{place} Assembly Passes Budget for Child Care Centers",
                "The plan funds longer opening hours at public nurseries.",
                "The {place} prefectural assembly on Tuesday approved a budget that adds {n} billion yen "
                "for child care.",
                "Child Care",
            ),
            (
                "Opposition Party Names Candidate for {place} By-Election",
                "A former city councilor will run on a platform of lower utility bills.",
                "The largest opposition party said it would field a former city councilor in the {place} by-election, "
                "one of {n} contests to be held next month.",
                "Elections",
            ),
            (
                "Ministry Reviews Disaster Funding After {place} Floods",
                "Local officials say the current rules pay out too slowly.",
                "The internal affairs ministry will review how quickly disaster relief reaches towns like {place}, "
                "where {n} households were flooded this autumn.",
                "Disaster Preparedness",
            ),
            (
                "{place} Mayor Proposes Cutting Council Seats",
                "The plan would reduce the chamber by a sixth from the next election.",
                "The mayor of {place} proposed cutting the city council to {n} seats, citing a shrinking population.",
                "Local Government",
            ),
        ],
    },
    "business": {
        "authors": ["yui-hasegawa"],
        "subjects": [
            (
                "{place} Machinery Maker Raises Profit Forecast",
                "Orders from chip factories in Asia kept its plants busy.",
                "A machine tool maker based in {place} raised its full-year profit forecast by {n}% on strong demand.",
                "Manufacturing",
            ),
            (
                "Department Store in {place} to Close After 80 Years",
                "Its owner cites falling visitor numbers and an aging building.",
                "A department store that has anchored central {place} since the postwar years will close, "
                "affecting about {n} employees.",
                "Retail",
            ),
            (
                "Regional Banks in {place} Agree to Merge",
                "The deal would create the area's largest lender by deposits.",
                "Two regional banks serving {place} said they would merge, combining about {n} branches.",
                "Banking",
            ),
            (
                "Startup in {place} Raises Funds for Battery Recycling",
                "Investors bet on recovering metals from old electric car batteries.",
                "A startup founded in {place} raised {n} billion yen to build a battery recycling plant.",
                "Startups",
            ),
        ],
    },
    "society": {
        "authors": ["ryo-matsuda", "hana-kobayashi"],
        "subjects": [
            (
                "{place} Opens Night School for Adult Learners",
                "Classes in reading, math and Japanese start next spring.",
                "The city of {place} will open a public night school for adults, with room for {n} students.",
                "Education",
            ),
            (
                "Court in {place} Orders Landlord to Repair Quake-Damaged Homes",
                "Tenants had waited more than a year for the work.",
                "A district court in {place} ordered a landlord to repair {n} apartments damaged in last year's quake.",
                "Courts",
            ),
            (
                "Hospitals in {place} Share Night Duty to Ease Doctor Shortage",
                "Emergency patients will be sent to one hospital each night.",
                "Hospitals in {place} will take turns covering night emergencies, a system used by {n} cities so far.",
                "Health",
            ),
            (
                "Volunteers in {place} Clear Snow for Elderly Residents",
                "The program pairs students with people living alone.",
                "About {n} volunteers in {place} have signed up to clear snow from the homes of elderly residents.",
                "Aging Society",
            ),
        ],
    },
    "world": {
        "authors": ["michael-brennan", "sora-ishikawa"],
        "subjects": [
            (
                "Japanese Firms in {place} Delegation Seek Trade Talks",
                "Business leaders want clearer rules for exports of farm goods.",
                "A delegation of {n} companies from {place} met trade officials abroad to push for talks "
                "on farm exports.",
                "Trade",
            ),
            (
                "{place} Sister City Ties Marked With Student Exchange",
                "High school students will spend a month with host families.",
                "{place} and its overseas sister city will exchange {n} high school students next summer.",
                "Diplomacy",
            ),
            (
                "Aid Group From {place} Sends Water Purifiers Abroad",
                "The equipment will go to areas hit by this year's storms.",
                "A relief group based in {place} shipped {n} water purification units to storm-hit communities.",
                "Aid",
            ),
            (
                "Flights Between {place} and Seoul to Increase",
                "Airlines add routes as tourism recovers in both directions.",
                "Airlines will add {n} weekly flights between {place} and Seoul from the spring schedule.",
                "Travel",
            ),
        ],
    },
    "sports": {
        "authors": ["takeshi-kuroda"],
        "subjects": [
            (
                "{place} Club Clinches Promotion on Final Day",
                "A late goal sealed a return to the top division.",
                "The soccer club from {place} won promotion with a 2-1 victory before {n} fans.",
                "Soccer",
            ),
            (
                "High School Team From {place} Reaches Koshien Quarterfinals",
                "Its ace pitcher threw a complete game in the heat.",
                "A high school from {place} reached the quarterfinals after its ace threw {n} pitches in a win.",
                "Baseball",
            ),
            (
                "{place} Marathon Draws Record Field",
                "Organizers widened the course to make room for more runners.",
                "The {place} marathon drew a record {n} runners, organizers said.",
                "Running",
            ),
            (
                "Sumo Wrestler From {place} Promoted to Top Division",
                "He is the first from his prefecture to reach makuuchi in a decade.",
                "A wrestler from {place} will fight in sumo's top division next tournament after {n} wins this year.",
                "Sumo",
            ),
        ],
    },
    "science-nature": {
        "authors": ["naomi-fujiwara"],
        "subjects": [
            (
                "Researchers in {place} Track Rare Seabird's Return",
                "Nesting pairs have grown since a predator control program began.",
                "Researchers in {place} counted {n} nesting pairs of a rare seabird, the most since records began.",
                "Wildlife",
            ),
            (
                "{place} University Tests Sensors to Warn of Landslides",
                "The devices measure soil moisture on steep slopes.",
                "A university team in {place} installed {n} sensors on hillsides to give earlier landslide warnings.",
                "Disaster Preparedness",
            ),
            (
                "Warm Seas Push Fish Catches North, {place} Study Finds",
                "Fishers are landing species once rare in their waters.",
                "A study by researchers in {place} found {n} fish species moving north as sea temperatures rise.",
                "Climate",
            ),
            (
                "Observatory Near {place} Opens to Night Visitors",
                "Amateur astronomers can use its telescope on weekends.",
                "An observatory near {place} will open its telescope to the public, with {n} places per night.",
                "Space",
            ),
        ],
    },
    "culture": {
        "authors": ["emi-nakagawa"],
        "subjects": [
            (
                "{place} Film Festival Announces Its Lineup",
                "Works by first-time directors fill half the program.",
                "The {place} film festival will screen {n} films, half of them by first-time directors.",
                "Film",
            ),
            (
                "Old Theater in {place} Reopens After Restoration",
                "The wooden hall was saved by a local fundraising drive.",
                "A century-old theater in {place} reopened after a restoration funded by {n} donors.",
                "Arts",
            ),
            (
                "{place} Bakery Wins National Bread Contest",
                "Its sweet potato loaf impressed the judges.",
                "A small bakery in {place} won a national contest judged on {n} entries.",
                "Food",
            ),
            (
                "Library in {place} Extends Hours for Students",
                "Study rooms will stay open until 10 p.m. before exams.",
                "The central library in {place} will open later during exam season, adding {n} study seats.",
                "Books",
            ),
        ],
    },
    "editorial": {
        "authors": ["editorial-board"],
        "subjects": [
            (
                "Lessons From {place} on Keeping Rural Buses Running",
                "Shared taxis and school buses can fill the gaps.",
                "Rural bus routes are closing across Japan; {place} has kept {n} routes open by sharing vehicles.",
                "Transport",
            ),
            (
                "{place}'s Housing Plan Deserves a Wider Look",
                "Empty homes can become affordable rentals.",
                "{place} has turned {n} empty houses into rentals for young families, a model other cities "
                "should study.",
                "Housing",
            ),
            (
                "Give Schools in {place} and Elsewhere More Counselors",
                "Children's worries do not keep office hours.",
                "A survey in {place} found {n} students waiting for a counselor; the national government should help.",
                "Education",
            ),
            (
                "Disaster Drills Must Include Foreign Residents",
                "{place} shows how multilingual alerts save time.",
                "When {place} held its drill in {n} languages, more residents knew where to go; others should follow.",
                "Disaster Preparedness",
            ),
        ],
    },
}

# Second and third paragraphs, by kind of story, in turn.
FOLLOW_UPS = [
    (
        "Officials said more details would be released in the coming weeks.",
        "Residents will be able to comment on the plan until the end of the month.",
    ),
    (
        "The figures were announced at a news conference on Monday.",
        "Similar steps have been taken in other parts of the country in recent years.",
    ),
    (
        "Those involved said they had discussed the idea for more than a year.",
        "A review of the results is planned for next year.",
    ),
    (
        "Local business groups welcomed the announcement.",
        "Critics said the change should have come sooner.",
    ),
]


def briefs() -> list[dict]:
    """Every section's briefs, as article specs (``scene=None``: no photo), in a stable order."""
    specs = []
    for section_index, (section, bank) in enumerate(SECTION_BRIEFS.items()):
        subjects = bank["subjects"]
        for n in range(BRIEFS_PER_SECTION):
            headline_t, deck, first_t, tag = subjects[n % len(subjects)]
            dateline, place = PLACES[(n * 3 + section_index) % len(PLACES)]
            number = 12 + (n * 37 + section_index * 11) % 480
            second, third = FOLLOW_UPS[(n + section_index) % len(FOLLOW_UPS)]
            headline = headline_t.format(place=place)
            key = f"brief-{section}-{n + 1:02d}"
            specs.append(
                {
                    "key": key,
                    "section": section,
                    "ago": FIRST_AGO_HOURS + (n * len(SECTION_BRIEFS) + section_index) * SPACING_HOURS,
                    "headline": headline,
                    "deck": deck.format(place=place),
                    "dateline": dateline,
                    "authors": [bank["authors"][n % len(bank["authors"])]],
                    "tags": [tag, place],
                    "scene": None,
                    "caption": "",
                    "body": [first_t.format(place=place, n=number), second, third],
                }
            )
    return specs
