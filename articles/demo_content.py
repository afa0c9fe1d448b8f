"""The demo newsroom's text: sections, bylines and stories, all invented for this project.

Every person, company and event here is fictional; places and public institutions are real
so the demo reads like a working English-language Japanese newspaper. ``articles.demo``
turns this data into rows. Body markup is kept minimal: each string of ``body`` is a
paragraph, except ``"## "`` (a subhead), ``"> "`` (a pull quote) and ``"- "`` (list items,
consecutive ones form one list).

Article fields: ``key`` (stable slug, also the external id), ``section`` (slug), ``ago``
(hours before seeding it was published; negative means scheduled in the future), ``scene``
(the kind of picture ``articles.demo_images`` draws), ``focal`` (optional, where the subject
sits), ``updates`` (kind, hours after publication, editor's note), ``status`` (default
published).
"""

SECTIONS = [
    ("politics", "Politics", "The Diet, the Prime Minister's Office, parties and elections."),
    ("business", "Business", "Markets, companies, the economy and the people who work in it."),
    ("society", "Society", "Life in Japan: communities, courts, schools, health and disasters."),
    ("world", "World", "Reports from our correspondents abroad and Japan's place in the world."),
    ("sports", "Sports", "Baseball, soccer, sumo, skating and the athletes behind the results."),
    ("science-nature", "Science & Nature", "Research, space, climate and the natural world."),
    ("culture", "Culture", "Film, books, music, art and food."),
    ("editorial", "Editorial", "The newspaper's view on the questions of the day."),
]

AUTHORS = [
    (
        "aiko-tanabe",
        "Aiko Tanabe",
        "Political News Editor",
        "Aiko Tanabe has covered the Prime Minister's Office and four general elections. "
        "She previously reported from the paper's Osaka bureau.",
    ),
    (
        "kenji-morita",
        "Kenji Morita",
        "Staff Writer, Political News",
        "Kenji Morita follows the Diet, the ruling coalition and defense policy.",
    ),
    (
        "yui-hasegawa",
        "Yui Hasegawa",
        "Business Correspondent",
        "Yui Hasegawa writes about monetary policy, markets and Japanese manufacturing. "
        "Before joining the paper she worked as an economist at a regional bank.",
    ),
    (
        "michael-brennan",
        "Michael Brennan",
        "Washington Bureau Chief",
        "Michael Brennan reports on U.S. politics and the Japan-U.S. alliance from Washington.",
    ),
    (
        "sora-ishikawa",
        "Sora Ishikawa",
        "Seoul Correspondent",
        "Sora Ishikawa covers the Korean Peninsula and has reported from Seoul since 2023.",
    ),
    (
        "naomi-fujiwara",
        "Naomi Fujiwara",
        "Science Writer",
        "Naomi Fujiwara writes about space, medicine and the environment. She holds a doctorate in marine biology.",
    ),
    (
        "takeshi-kuroda",
        "Takeshi Kuroda",
        "Sports Writer",
        "Takeshi Kuroda covers professional baseball, the J.League and the national teams.",
    ),
    (
        "emi-nakagawa",
        "Emi Nakagawa",
        "Culture Writer",
        "Emi Nakagawa reviews film and books and writes about food and the arts.",
    ),
    (
        "ryo-matsuda",
        "Ryo Matsuda",
        "Staff Writer, Osaka Bureau",
        "Ryo Matsuda reports on western Japan, the courts and local government.",
    ),
    (
        "hana-kobayashi",
        "Hana Kobayashi",
        "Sapporo Bureau Chief",
        "Hana Kobayashi covers Hokkaido: farming, fisheries, tourism and its long winters.",
    ),
    (
        "editorial-board",
        "The Editorial Board",
        "Editorial",
        "Editorials represent the view of the newspaper's editorial board, not of individual writers.",
    ),
]

PHOTOGRAPHERS = ["Haruto Ishii", "Mei Sakamoto", "Shun Takeda", "Rina Okamoto", "Kazuya Endo"]


def _a(key, section, ago, headline, deck, dateline, authors, tags, scene, caption, body, **extra):
    return {
        "key": key,
        "section": section,
        "ago": ago,
        "headline": headline,
        "deck": deck,
        "dateline": dateline,
        "authors": authors,
        "tags": tags,
        "scene": scene,
        "caption": caption,
        "body": body,
        **extra,
    }


ARTICLES = [
    # --- Politics ----------------------------------------------------------------------------
    _a(
        "coalition-agrees-supplementary-budget",
        "politics",
        1.5,
        "Ruling Coalition Agrees on ¥13 Trillion Extra Budget to Ease Living Costs",
        "Subsidies for electricity bills and a one-off payment to low-income households top the package.",
        "TOKYO",
        ["aiko-tanabe", "kenji-morita"],
        ["Diet", "Economy", "Energy"],
        "skyline",
        "Government office buildings in Tokyo's Kasumigaseki district at dusk on Monday.",
        [
            "The ruling coalition on Monday agreed on the outline of a ¥13.2 trillion supplementary budget for "
            "the current fiscal year, with subsidies for household electricity and gas bills and a one-off "
            "payment of ¥30,000 to households exempt from residential tax.",
            "Prime Minister Haruki Sonoda told reporters at his office that the package was meant to "
            "“buy families time” until wage increases catch up with prices. The Cabinet is expected to "
            "approve the budget this week and submit it to the Diet before the end of the month.",
            "## Opposition wants a tax cut instead",
            "Opposition parties argue that temporary subsidies do little for middle-income workers and are "
            "pressing for a cut in the consumption tax on food. Several members of the ruling coalition's "
            "junior partner have said privately that they are sympathetic to the idea.",
            "The Finance Ministry plans to fund about two-thirds of the package with new government bonds, "
            "a decision that is likely to revive debate over Japan's fiscal discipline.",
            "> “We cannot ask people to wait for next year's wage talks while their bills arrive every month,” "
            "Sonoda said.",
            "Economists at private think tanks estimate the measures will lift real gross domestic product by "
            "about 0.4 percentage point over the coming year.",
        ],
        updates=[
            (
                "update",
                1,
                "Adds the Finance Ministry's funding plan and economists' estimates.",
            )
        ],
    ),
    _a(
        "diet-passes-disaster-agency-bill",
        "politics",
        20,
        "Diet Enacts Law Creating Disaster Management Agency",
        "The new agency will coordinate evacuation shelters and relief supplies from April.",
        "TOKYO",
        ["kenji-morita"],
        ["Diet", "Disaster Prevention", "Earthquakes"],
        "skyline",
        "The National Diet Building in Tokyo on Friday.",
        [
            "The House of Councillors on Friday passed a bill establishing a Disaster Management Agency, "
            "enacting a long-discussed plan to give a single government body responsibility for preparing for "
            "and responding to large-scale disasters.",
            "The agency, to be launched in April under the Cabinet Office, will have about 350 staff, more than "
            "double the number now working on disaster management across ministries.",
            "It will set national standards for evacuation shelters, including toilets, heating and private "
            "space for women and families, after criticism of crowded gymnasium floors following recent "
            "earthquakes.",
            "The law also requires prefectures to keep an up-to-date registry of residents who need help "
            "evacuating, such as older people living alone.",
            "Local government officials welcomed the move but asked the central government to cover the cost of "
            "upgrading shelters. “Standards without money are just paper,” said the mayor of a town "
            "in Ishikawa Prefecture.",
        ],
    ),
    _a(
        "defense-minister-visits-pentagon",
        "politics",
        44,
        "Defense Ministers Agree to Speed Up Joint Missile Production",
        "Japan and the United States will expand co-production to ease shortages of air defense interceptors.",
        "WASHINGTON",
        ["michael-brennan"],
        ["Defense", "Japan-U.S. Relations", "United States"],
        "harbour",
        "Naval vessels at a port in Yokosuka, Kanagawa Prefecture, in a file photo.",
        [
            "Japan's defense minister and the U.S. secretary of defense agreed on Thursday to accelerate joint "
            "production of air defense interceptor missiles, as both countries try to rebuild stockpiles "
            "depleted by conflicts abroad.",
            "After talks at the Pentagon, the two ministers said a working group would present a plan within "
            "three months to raise output at factories in Japan and to certify more Japanese suppliers of parts.",
            "Defense Minister Yoshiro Kanda told reporters that the alliance “must be able to produce, not "
            "only to buy.” His U.S. counterpart praised Japan's recent increase in defense spending and said "
            "Washington hoped for further steps.",
            "The ministers also discussed reorganizing U.S. forces in Japan into a joint force headquarters, "
            "a change both governments have said will improve coordination with the Self-Defense Forces.",
            "Officials said no numerical spending target for Japan was discussed.",
        ],
    ),
    _a(
        "ldp-leadership-rules-reform",
        "politics",
        70,
        "Ruling Party Panel Proposes Limits on Faction Fundraising Parties",
        "The draft would require online disclosure of every ticket buyer paying more than ¥50,000.",
        "TOKYO",
        ["aiko-tanabe"],
        ["Diet", "Elections"],
        "skyline",
        "Lawmakers arrive for a party meeting in Tokyo's Nagatacho district on Wednesday.",
        [
            "A reform panel of the main ruling party on Wednesday proposed new limits on fundraising parties, "
            "the events at the center of a political funds scandal that has dogged the party for two years.",
            "Under the draft, lawmakers would have to disclose online the name of any individual or company "
            "buying more than ¥50,000 worth of party tickets, down from ¥200,000 now. Groups would be barred "
            "from holding more than two such events a year.",
            "Critics said the proposal still falls short of an outright ban on corporate donations, which "
            "opposition parties are demanding. The panel's chairman said a ban would “push political "
            "money into the shadows.”",
            "The party aims to submit a bill revising the Political Funds Control Law during the ordinary Diet "
            "session that begins in January.",
        ],
    ),
    _a(
        "upper-house-byelection-osaka",
        "politics",
        115,
        "Independent Wins Osaka By-Election, Dealing Blow to Coalition",
        "A former city council member backed by local parties took 46% of the vote.",
        "OSAKA",
        ["ryo-matsuda"],
        ["Elections", "Osaka"],
        "night_street",
        "Supporters gather outside a campaign office in Osaka's Kita Ward on Sunday night.",
        [
            "An independent candidate backed by regional parties won Sunday's House of Councillors by-election "
            "in Osaka, defeating the ruling coalition's candidate by about 180,000 votes.",
            "Mariko Enomoto, 48, a former Osaka city council member, campaigned on free school lunches and a "
            "review of the prefecture's casino resort plan.",
            "Turnout was 34.2%, up slightly from the previous by-election in the prefecture.",
            "The result is the coalition's third straight by-election loss this year. A senior party official "
            "said the defeat reflected dissatisfaction with rising prices rather than local issues.",
            "> “Osaka voters told Tokyo that they will not be taken for granted,” Enomoto said at her campaign office.",
        ],
    ),
    _a(
        "my-number-card-health-insurance",
        "politics",
        190,
        "Government to Extend Grace Period for Old Health Insurance Cards",
        "Paper cards will remain valid for another year amid complaints from clinics and older people.",
        "TOKYO",
        ["kenji-morita"],
        ["Health", "Aging Society", "Technology"],
        "rain",
        "Pedestrians walk past a clinic in Tokyo on a rainy afternoon.",
        [
            "The health ministry will allow paper health insurance cards to be used for another year, it said "
            "on Tuesday, backing away from a plan to make the digital My Number card the only accepted proof of "
            "insurance.",
            "The ministry said about 30% of people aged 75 or older have not linked their insurance to the "
            "digital card, and that some small clinics still lack card readers.",
            "Doctors' associations had warned that patients were being turned away or charged in full because "
            "their status could not be confirmed at reception.",
            "The minister apologized for “confusion at medical institutions” and said the government would "
            "subsidize card readers for clinics with fewer than three doctors.",
        ],
    ),
    _a(
        "japan-china-foreign-ministers-talks",
        "politics",
        260,
        "Japan, China Foreign Ministers Agree to Resume Fisheries Talks",
        "The meeting in Tokyo was the first in-person talks between the two in nine months.",
        "TOKYO",
        ["aiko-tanabe"],
        ["Diplomacy", "China"],
        "harbour",
        "Fishing boats moored at a port in Nagasaki Prefecture.",
        [
            "The foreign ministers of Japan and China agreed on Saturday to resume working-level talks on "
            "fisheries and maritime safety, in a modest sign of improving ties after months of friction.",
            "Meeting in Tokyo, the ministers also discussed China's restrictions on imports of Japanese "
            "seafood. Japanese officials said Beijing did not commit to a timetable for lifting them.",
            "Japan protested again over Chinese coast guard vessels entering waters around the Senkaku Islands "
            "in Okinawa Prefecture, the ministry said.",
            "Both sides said they would work toward a visit by the Chinese premier to Japan next year.",
        ],
    ),
    _a(
        "local-assembly-candidate-shortage",
        "politics",
        430,
        "One in Five Town Assembly Seats Filled Without a Vote",
        "A survey finds candidate shortages worst in small towns in Hokkaido and Tohoku.",
        "SAPPORO",
        ["hana-kobayashi"],
        ["Elections", "Hokkaido", "Aging Society"],
        "fields",
        "Farmland outside a town in central Hokkaido in late autumn.",
        [
            "About one in five seats in town and village assemblies were filled without an election in the "
            "past four years because no more candidates stood than there were seats, according to a survey by "
            "a national association of local assemblies.",
            "The shortage was most severe in Hokkaido and the Tohoku region, where populations are older and "
            "shrinking. In one Hokkaido village, the assembly has had two vacant seats for three years.",
            "Assembly members in small towns are paid an average of about ¥220,000 a month, which few working-age "
            "residents can live on, the survey said.",
            "Some towns have begun holding evening and weekend sessions so that people with other jobs can "
            "serve. Others are considering reducing the number of seats.",
        ],
    ),
    _a(
        "voting-age-online-voting-pilot",
        "politics",
        600,
        "Panel Backs Trial of Online Voting for Japanese Living Abroad",
        "Voters overseas now often travel hours to an embassy to cast a ballot.",
        "TOKYO",
        ["kenji-morita"],
        ["Elections", "Technology"],
        "abstract",
        "An illustration of online voting.",
        [
            "An expert panel at the internal affairs ministry recommended on Thursday that Japan test online "
            "voting for citizens living abroad in the next national election.",
            "About 1.3 million Japanese live overseas, but fewer than 2% of them voted in the last general "
            "election. Many must travel to an embassy or consulate, or send ballots by mail with tight deadlines.",
            "The panel said the trial should use the My Number card for identification and allow voters to "
            "change their vote before polls close, to reduce the risk of coercion.",
            "Security experts on the panel urged an independent audit of the system before use.",
        ],
    ),
    # --- Business ----------------------------------------------------------------------------
    _a(
        "boj-holds-rates-signals-hike",
        "business",
        5,
        "Bank of Japan Holds Rates, Signals Hike Possible in Spring",
        "The governor cited firm wage growth but said the bank wants to see the results of annual pay talks.",
        "TOKYO",
        ["yui-hasegawa"],
        ["Bank of Japan", "Economy", "Yen"],
        "chart",
        "A screen shows currency rates at a foreign exchange brokerage in Tokyo.",
        [
            "The Bank of Japan kept its short-term policy rate unchanged at 0.75% on Tuesday, but its governor "
            "said an increase could come as early as the spring if wages keep rising.",
            "“The cycle of wages and prices is becoming clearer,” Governor Tetsuo Imai told a news "
            "conference. He said the bank would look closely at the results of the annual spring wage talks "
            "between companies and unions.",
            "The yen strengthened to ¥148 against the dollar after the remarks, from ¥150 before the meeting.",
            "## Bond purchases",
            "The bank left unchanged its plan to gradually reduce purchases of Japanese government bonds. Two "
            "of the nine board members voted for a rate increase on Tuesday, the same number as at the previous "
            "meeting.",
            "Economists polled by the paper expect the policy rate to reach 1% by the middle of next year.",
        ],
        updates=[("update", 2, "Adds the yen's move after the governor's news conference.")],
    ),
    _a(
        "automaker-ev-battery-plant-kyushu",
        "business",
        26,
        "Kisaragi Motors to Build ¥400 Billion Battery Plant in Kyushu",
        "The factory will supply solid-state batteries for electric vehicles from 2029.",
        "FUKUOKA",
        ["yui-hasegawa"],
        ["Technology", "Kyushu", "Energy"],
        "fields",
        "The planned site of the battery plant in Fukuoka Prefecture.",
        [
            "Kisaragi Motors Corp. said on Monday it will build a ¥400 billion factory for electric vehicle "
            "batteries in Fukuoka Prefecture, its largest investment in Japan in two decades.",
            "The plant is to start producing solid-state batteries in 2029 and employ about 1,500 people at "
            "full capacity. The government will cover up to a third of the cost under its economic security "
            "subsidy program.",
            "Solid-state batteries promise longer driving range and faster charging than the lithium-ion cells "
            "used today, but no manufacturer has yet produced them at scale.",
            "Kisaragi's president said the company chose Kyushu for its semiconductor suppliers and for "
            "renewable electricity from solar farms in the region.",
            "Shares of Kisaragi rose 3.1% on the Tokyo Stock Exchange.",
        ],
    ),
    _a(
        "tourism-record-inbound-spending",
        "business",
        50,
        "Foreign Visitors' Spending Hits Record, But Regions See Little of It",
        "Nearly 70% of spending is concentrated in Tokyo, Osaka and Kyoto, tourism agency data show.",
        "KYOTO",
        ["ryo-matsuda"],
        ["Tourism", "Economy", "Osaka"],
        "night_street",
        "Visitors stroll along a lantern-lit street in Kyoto's Gion district.",
        [
            "Spending by foreign visitors to Japan reached a record ¥2.4 trillion in the July-September "
            "quarter, the Japan Tourism Agency said on Wednesday, driven by visitors from South Korea, Taiwan "
            "and the United States.",
            "But the agency's data show that about 70% of the spending was concentrated in three prefectures: "
            "Tokyo, Osaka and Kyoto. Stays outside major cities accounted for less than a fifth of overnight "
            "stays by foreign guests.",
            "Kyoto residents have complained of crowded buses and visitors entering private alleys. The city "
            "plans to raise its accommodation tax for luxury hotels next year.",
            "The government aims to double the number of foreign visitors staying overnight in rural areas by "
            "2030, with subsidies for inns and signs in multiple languages.",
        ],
    ),
    _a(
        "spring-wage-talks-unions-demand",
        "business",
        96,
        "Unions to Seek Pay Raises of 5% or More for Third Year",
        "Labor leaders say small and midsize companies must share in gains.",
        "TOKYO",
        ["yui-hasegawa"],
        ["Labor", "Economy"],
        "skyline",
        "Office workers cross a street in Tokyo's Marunouchi district.",
        [
            "Japan's largest labor organization said on Thursday it will demand pay increases of 5% or more in "
            "next year's spring wage negotiations, the third year in a row it has set such a target.",
            "The federation said it would press for at least 6% at small and midsize companies, where wage "
            "growth has lagged behind large firms.",
            "Real wages, adjusted for inflation, have fallen in most months of the past three years as food and "
            "energy prices rose.",
            "- Base pay increase of 3% or more",
            "- Regular annual raises of about 2%",
            "- Fair pricing so suppliers can pass on labor costs",
            "Business lobby leaders said they broadly supported continued wage increases but warned that "
            "many small firms are already struggling to hire.",
        ],
    ),
    _a(
        "convenience-store-chain-unmanned",
        "business",
        150,
        "Convenience Store Chain to Open 500 Staff-Free Night Shops",
        "Cameras and self-checkout will replace night-shift workers at stores in rural areas.",
        "NAGOYA",
        ["yui-hasegawa"],
        ["Labor", "Technology", "AI"],
        "night_street",
        "A convenience store in Nagoya late at night.",
        [
            "A major convenience store chain said on Monday it would run 500 of its stores without staff "
            "between midnight and 6 a.m. by the end of next year, as it struggles to find night-shift workers.",
            "Customers will enter with a smartphone app or a credit card, and cameras using artificial "
            "intelligence will track items taken from shelves.",
            "The company said alcohol and cigarettes would not be sold during unmanned hours, because age "
            "checks cannot yet be automated under current rules.",
            "Franchise owners have long complained that the 24-hour model is unsustainable. About a fifth of "
            "the chain's owners are aged 65 or older.",
        ],
    ),
    _a(
        "semiconductor-hokkaido-fab-water",
        "business",
        210,
        "Chipmaker's Hokkaido Plant Raises Concerns Over Water Use",
        "Farmers downstream ask for guarantees as the factory prepares to start test production.",
        "SAPPORO",
        ["hana-kobayashi"],
        ["Technology", "Hokkaido", "Climate"],
        "mountains",
        "The mountains above the Chitose River basin in Hokkaido.",
        [
            "Farmers and fishermen in Hokkaido have asked a chipmaker building an advanced semiconductor "
            "factory near New Chitose Airport to publish detailed data on its water use before test production "
            "starts next spring.",
            "The plant is expected to use up to 40,000 tons of water a day at full operation. The company says "
            "it will recycle most of it and that treated water will meet strict standards.",
            "A salmon fishing cooperative said it was not opposed to the factory but wanted monitoring of river "
            "temperatures and chemicals by an independent body.",
            "The prefectural government said it would set up a monitoring panel with local residents.",
        ],
    ),
    _a(
        "rice-prices-record-high",
        "business",
        330,
        "Rice Prices Hit Record as Stocks Run Low Before Harvest",
        "A 5-kilogram bag now costs more than ¥4,500 at supermarkets.",
        "NIIGATA",
        ["ryo-matsuda"],
        ["Food", "Economy"],
        "fields",
        "Rice paddies in Niigata Prefecture ahead of the harvest.",
        [
            "The average supermarket price of rice rose to a record ¥4,580 for a 5-kilogram bag, the farm "
            "ministry said on Friday, up about 80% from a year earlier.",
            "Wholesalers blamed low stocks before the new harvest and higher costs for fertilizer and fuel.",
            "The ministry said it would release more rice from government reserves and review its policy of "
            "paying farmers to switch paddies to other crops.",
            "In Niigata, one of the country's main producing areas, farmers said the high prices had not "
            "reached them. “We see the news but our contract price was fixed last year,” said a farmer in "
            "Nagaoka.",
        ],
    ),
    _a(
        "shipping-firm-green-ammonia",
        "business",
        480,
        "Minato Shipping Orders Ammonia-Fueled Car Carriers",
        "The four vessels are part of a plan to halve emissions by 2035.",
        "KOBE",
        ["yui-hasegawa"],
        ["Energy", "Climate", "Trade"],
        "harbour",
        "Cranes at a container terminal in the Port of Kobe.",
        [
            "Minato Shipping Co. said on Tuesday it had ordered four car carriers that can run on ammonia, "
            "which emits no carbon dioxide when burned, from a shipyard in Hiroshima Prefecture.",
            "The ships, due for delivery from 2028, will each carry about 7,000 cars. The company did not "
            "disclose the price, but industry analysts estimate each costs about ¥25 billion.",
            "Ammonia is toxic, and crews will need new training and safety equipment. The company said it is "
            "working with the transport ministry on standards for refueling at Japanese ports.",
        ],
    ),
    _a(
        "startup-funding-ai-translation",
        "business",
        640,
        "Osaka AI Translation Start-up Raises ¥8 Billion",
        "Its software turns meetings into documents in 12 languages.",
        "OSAKA",
        ["yui-hasegawa"],
        ["AI", "Technology", "Osaka"],
        "abstract",
        "An illustration of machine translation.",
        [
            "Kotonoha Inc., an Osaka-based start-up that makes translation software for business meetings, "
            "said on Wednesday it had raised ¥8 billion from investors including two major banks.",
            "The company's software records meetings, translates them in real time and produces minutes in 12 "
            "languages. It says more than 2,000 companies use it, many of them manufacturers hiring foreign "
            "workers.",
            "Kotonoha's founder, a former factory engineer, said the funds would be used to expand into "
            "Southeast Asia and to build models that understand regional Japanese dialects.",
        ],
    ),
    # --- Society -----------------------------------------------------------------------------
    _a(
        "heavy-snow-hokkaido-traffic",
        "society",
        3,
        "Heavy Snow Strands Hundreds of Vehicles on Hokkaido Expressway",
        "Self-Defense Forces were called in to deliver food and fuel to drivers.",
        "SAPPORO",
        ["hana-kobayashi"],
        ["Weather", "Hokkaido", "Transport"],
        "mountains",
        "Snow-covered mountains along the expressway in central Hokkaido on Tuesday.",
        [
            "Heavy snow stranded about 400 vehicles on an expressway in central Hokkaido from Monday night into "
            "Tuesday, with some drivers trapped for more than 15 hours.",
            "The Hokkaido government asked the Ground Self-Defense Force to deliver food, water and fuel. No "
            "injuries were reported, but two people were taken to hospital with suspected carbon monoxide "
            "poisoning after running their engines in deep snow.",
            "The Japan Meteorological Agency said up to 70 centimeters of snow fell in 12 hours in some areas, "
            "and warned of more heavy snow through Wednesday.",
            "## Road closed too late, drivers say",
            "Several drivers said the road should have been closed earlier. The expressway operator said it "
            "would review its criteria for closures.",
        ],
        updates=[
            ("update", 1, "Updates number of stranded vehicles and adds the Self-Defense Forces' deployment."),
            ("update", 2.5, "Adds hospital cases and the operator's comment on closure criteria."),
        ],
    ),
    _a(
        "measles-cases-tokyo-warning",
        "society",
        9,
        "Tokyo Warns of Measles After Infected Traveler Used Trains",
        "Health officials ask people who develop a fever within three weeks to call before visiting a clinic.",
        "TOKYO",
        ["ryo-matsuda"],
        ["Health", "Transport"],
        "rain",
        "Commuters at a station in Tokyo on Wednesday morning.",
        [
            "The Tokyo metropolitan government warned on Wednesday that a person diagnosed with measles had "
            "used commuter trains and visited a shopping center while infectious.",
            "The person, a man in his 30s who had recently returned from abroad, rode the JR Chuo Line during "
            "the morning rush on two days last week, officials said.",
            "Measles is highly contagious and can be spread through the air. Officials asked anyone who "
            "develops a fever or rash within three weeks of the dates to call a clinic before visiting, to "
            "avoid infecting others in waiting rooms.",
            "Japan has reported more measles cases this year than in any year since 2019. Health experts "
            "urged adults who are unsure of their vaccination history to consult a doctor.",
        ],
        updates=[("correction", 4, "An earlier version misstated the train line. It is the JR Chuo Line.")],
    ),
    _a(
        "school-teacher-shortage-survey",
        "society",
        30,
        "Public Schools Start Year Short of 2,500 Teachers",
        "Some principals are teaching classes themselves as vacancies go unfilled.",
        "TOKYO",
        ["ryo-matsuda"],
        ["Education", "Labor"],
        "blossoms",
        "Cherry trees in bloom at an elementary school in Tokyo in April.",
        [
            "Public elementary and junior high schools across Japan were short of about 2,500 teachers at the "
            "start of the school year, an education ministry survey found.",
            "In some schools, principals and vice principals are teaching classes themselves, and subjects such "
            "as music and art have been cut back.",
            "Applications to become teachers have fallen for years, as young people are put off by long hours. "
            "Teachers work an average of about 11 hours a day, according to earlier ministry data.",
            "The ministry plans to raise a special allowance for teachers from 4% of salary to 10% over several "
            "years and to hire more support staff for paperwork.",
        ],
    ),
    _a(
        "court-rules-same-sex-marriage",
        "society",
        58,
        "High Court Rules Ban on Same-Sex Marriage Unconstitutional",
        "It is the sixth high court ruling to reach the same conclusion.",
        "FUKUOKA",
        ["ryo-matsuda"],
        ["Courts", "Kyushu"],
        "skyline",
        "The Fukuoka High Court building on Thursday.",
        [
            "The Fukuoka High Court ruled on Thursday that the lack of legal recognition for same-sex marriage "
            "violates the Constitution, the sixth high court to reach that conclusion.",
            "The court rejected the plaintiffs' claims for damages from the state but said the Diet had failed "
            "to address “serious disadvantages” faced by same-sex couples, such as in inheritance and "
            "hospital visits.",
            "The plaintiffs, three couples from Kyushu, said they would appeal to the Supreme Court to seek a "
            "final ruling.",
            "> “We are not asking for special rights. We are asking to be a family in the eyes of the law,” "
            "one plaintiff said outside the court.",
            "The government says the Constitution does not envision same-sex marriage.",
        ],
    ),
    _a(
        "bear-sightings-record-tohoku",
        "society",
        120,
        "Bear Sightings Reach Record in Tohoku as Beech Nuts Fail",
        "Towns close parks and schools cancel outdoor activities after a string of attacks.",
        "SENDAI",
        ["hana-kobayashi"],
        ["Wildlife", "Climate"],
        "mountains",
        "Forested hills in Akita Prefecture, where bears have been seen near homes.",
        [
            "Sightings of bears in the six prefectures of the Tohoku region have reached a record for the year, "
            "with more than 14,000 reported since April, according to prefectural data.",
            "Experts say a poor crop of beech nuts in the mountains has driven bears into towns in search of "
            "food. At least nine people have been injured in the region this month.",
            "Several towns in Akita and Iwate prefectures have closed parks and asked residents not to leave "
            "persimmons unpicked. Some schools have canceled outdoor activities.",
            "The environment ministry plans to allow police to use rifles against bears in residential areas "
            "under a revised law.",
        ],
    ),
    _a(
        "elderly-driver-license-return",
        "society",
        175,
        "Record Number of Older Drivers Return Licenses",
        "Towns offer free bus passes, but rural residents say there are few buses to ride.",
        "NAGOYA",
        ["ryo-matsuda"],
        ["Aging Society", "Transport"],
        "fields",
        "A rural road in Aichi Prefecture.",
        [
            "More than 450,000 people voluntarily returned their driver's licenses last year, the National "
            "Police Agency said, a record driven by drivers aged 75 and older.",
            "Many municipalities offer free bus or taxi tickets to people who give up driving. But residents of "
            "rural areas said buses run only a few times a day, if at all.",
            "A town in Aichi Prefecture has begun a trial of on-demand minivans that residents can book by "
            "telephone. Officials said about 300 older residents have registered.",
        ],
    ),
    _a(
        "nankai-trough-drill-osaka",
        "society",
        250,
        "Osaka Holds Largest Tsunami Drill Since Expo",
        "Some 120,000 residents and workers practiced evacuating to higher floors.",
        "OSAKA",
        ["ryo-matsuda"],
        ["Disaster Prevention", "Earthquakes", "Osaka"],
        "harbour",
        "The bay area of Osaka during the tsunami drill on Saturday.",
        [
            "About 120,000 people took part in a tsunami evacuation drill in Osaka on Saturday, simulating a "
            "magnitude-9 earthquake along the Nankai Trough.",
            "Office workers in the bay area walked up stairs to designated floors of high-rise buildings, and "
            "underground shopping malls tested guidance announcements in four languages.",
            "The government estimates a tsunami could reach parts of Osaka Bay in about two hours after such a "
            "quake. Officials said evacuation routes for foreign visitors remain a weak point.",
        ],
    ),
    _a(
        "okinawa-water-pfas",
        "society",
        390,
        "Okinawa Finds High PFAS Levels Near Water Source",
        "The prefecture asks for access to U.S. bases to find the cause.",
        "NAHA",
        ["kenji-morita"],
        ["Okinawa", "Health", "United States"],
        "harbour",
        "The coastline of central Okinawa Island.",
        [
            "The Okinawa prefectural government said on Monday that river water near a drinking water intake "
            "contained PFAS chemicals at about 20 times the national provisional guideline.",
            "The prefecture has asked to enter nearby U.S. military facilities to investigate whether firefighting "
            "foam used there is the source. U.S. forces have said they are cooperating with Japanese authorities.",
            "Tap water supplied to homes meets the standard after filtering, the prefecture said, but the cost of "
            "activated carbon filters has risen sharply.",
        ],
    ),
    _a(
        "foreign-residents-record-high",
        "society",
        520,
        "Number of Foreign Residents in Japan Tops 3.9 Million",
        "Vietnamese residents are the fastest-growing group as factories and care homes recruit abroad.",
        "TOKYO",
        ["ryo-matsuda"],
        ["Labor", "Aging Society"],
        "rain",
        "Pedestrians in Tokyo's Shinjuku Ward on a rainy evening.",
        [
            "The number of foreign residents in Japan reached a record 3.9 million at the end of June, the "
            "Immigration Services Agency said, about 3% of the population.",
            "Vietnamese residents grew fastest, overtaking South Koreans to become the second-largest group "
            "after Chinese nationals. Many work in manufacturing, construction and nursing care.",
            "A new system replacing the technical intern program, criticized for abuses, will start in 2027 "
            "and allow workers to change employers more easily.",
        ],
    ),
    # --- World -------------------------------------------------------------------------------
    _a(
        "us-japan-tariff-talks",
        "world",
        7,
        "U.S. Agrees to Review Tariffs on Japanese Auto Parts",
        "Negotiators say a decision is expected before the summit in spring.",
        "WASHINGTON",
        ["michael-brennan"],
        ["Trade", "United States", "Japan-U.S. Relations"],
        "harbour",
        "Cars waiting to be shipped at a port terminal.",
        [
            "The United States agreed on Friday to review its tariffs on auto parts imported from Japan, "
            "Japanese negotiators said after two days of talks in Washington.",
            "Japan's chief negotiator said the U.S. side had “understood the contribution” of Japanese "
            "investment in American factories, which employ hundreds of thousands of workers.",
            "The U.S. Trade Representative's office said in a statement that talks were “constructive” "
            "but that no decision had been made.",
            "Auto parts account for about a fifth of Japan's exports to the United States. Several Japanese "
            "suppliers have said they are considering moving more production to Mexico or the United States.",
        ],
    ),
    _a(
        "seoul-tokyo-shuttle-diplomacy",
        "world",
        32,
        "South Korean President Plans Visit to Japan Next Month",
        "The two governments aim to keep up shuttle diplomacy despite disputes over history.",
        "SEOUL",
        ["sora-ishikawa"],
        ["South Korea", "Diplomacy"],
        "skyline",
        "The Seoul skyline seen from Namsan Mountain.",
        [
            "South Korea's president will visit Japan next month for talks with Prime Minister Haruki Sonoda, "
            "the presidential office in Seoul said on Tuesday.",
            "The leaders are expected to discuss supply chains for semiconductors, cooperation on North Korea's "
            "missile launches and a program for young people to work in each other's countries.",
            "Relations have improved markedly in recent years, though disputes over wartime labor remain "
            "unresolved. A poll this month found that 48% of South Koreans have a favorable view of Japan, the "
            "highest in a decade.",
        ],
    ),
    _a(
        "north-korea-missile-launch",
        "world",
        66,
        "North Korea Fires Ballistic Missile Into Sea of Japan",
        "The missile fell outside Japan's exclusive economic zone, the Defense Ministry said.",
        "SEOUL",
        ["sora-ishikawa", "kenji-morita"],
        ["South Korea", "Defense"],
        "starfield",
        "An illustration of a missile trajectory.",
        [
            "North Korea fired a ballistic missile toward the Sea of Japan early on Sunday, the Japanese and "
            "South Korean militaries said.",
            "The missile flew about 1,000 kilometers and fell outside Japan's exclusive economic zone. There "
            "were no reports of damage to ships or aircraft.",
            "The Prime Minister's Office set up a liaison office and the government protested through its "
            "embassy in Beijing.",
            "The launch was North Korea's first in two months. Analysts said it may have been a test of a new "
            "solid-fuel engine.",
        ],
        updates=[("update", 1, "Adds flight distance and the Prime Minister's Office response.")],
    ),
    _a(
        "indonesia-japan-rail-project",
        "world",
        140,
        "Japan, Indonesia Sign Deal on Jakarta Commuter Line",
        "Japanese loans will fund a new east-west line through the capital.",
        "JAKARTA",
        ["yui-hasegawa"],
        ["Transport", "Diplomacy", "Trade"],
        "train",
        "A commuter train crosses a viaduct in Jakarta.",
        [
            "Japan and Indonesia signed an agreement on Monday for Japanese government loans to build an "
            "east-west mass transit line across Jakarta, the second such line after one opened in 2019.",
            "The first phase, about 24 kilometers long, is scheduled to open in 2031. Japanese companies are "
            "expected to supply trains and signaling systems.",
            "Jakarta's traffic jams are among the worst in the world. The city's existing line carries about "
            "100,000 passengers a day.",
        ],
    ),
    _a(
        "european-union-japan-defense-pact",
        "world",
        200,
        "Japan and EU Launch Security and Defense Partnership",
        "The agreement covers maritime security, cyber defense and space.",
        "BRUSSELS",
        ["michael-brennan"],
        ["Defense", "Diplomacy"],
        "skyline",
        "Office buildings in Brussels' European quarter.",
        [
            "Japan and the European Union on Tuesday launched a security and defense partnership, their first "
            "such framework, at a summit in Brussels.",
            "The partnership calls for joint exercises at sea, cooperation against cyberattacks and "
            "disinformation, and talks on defense industry supply chains.",
            "European officials said the agreement reflected a view that security in Europe and the Indo-Pacific "
            "is increasingly connected.",
        ],
    ),
    _a(
        "japanese-peacekeepers-return",
        "world",
        300,
        "Japanese Engineers Return From U.N. Training Mission in Africa",
        "The team trained local soldiers to operate heavy machinery for road building.",
        "TOKYO",
        ["kenji-morita"],
        ["Defense", "Diplomacy"],
        "fields",
        "Red earth roads in the training area.",
        [
            "A team of 14 Ground Self-Defense Force engineers returned to Japan on Saturday after a six-month "
            "United Nations program training soldiers from several African countries to operate heavy "
            "machinery.",
            "The trainees learned to use bulldozers and excavators for building roads and clearing land for "
            "peacekeeping camps. Japan has contributed to the program since 2015.",
        ],
    ),
    _a(
        "us-midterm-campaign-japan",
        "world",
        410,
        "In Ohio, Japanese Factory Jobs Become a Campaign Issue",
        "Candidates of both parties praise a Japanese automaker's plant while calling for tariffs.",
        "COLUMBUS, Ohio",
        ["michael-brennan"],
        ["United States", "Trade", "Elections"],
        "fields",
        "Farmland near a car factory in central Ohio.",
        [
            "In the fields of central Ohio, a Japanese automaker's plant employs about 5,000 people, and "
            "candidates of both parties mention it in their speeches.",
            "“Those jobs are here because Japan invested here,” said a local union official. “But people "
            "still want to hear that someone is tough on trade.”",
            "Japanese companies are the largest source of foreign direct investment in the United States. "
            "Japanese diplomats have toured factory towns this year to make that case to voters and officials.",
        ],
    ),
    _a(
        "china-slowing-economy-japanese-firms",
        "world",
        560,
        "Japanese Firms in China Cut Investment Plans, Survey Finds",
        "A quarter of respondents plan to shrink operations, the highest share on record.",
        "BEIJING",
        ["yui-hasegawa"],
        ["China", "Economy", "Trade"],
        "chart",
        "A chart of Japanese direct investment in China.",
        [
            "About a quarter of Japanese companies operating in China plan to reduce or withdraw their "
            "investment, the highest share since the survey began, a Japanese business group in Beijing said.",
            "Respondents cited weak demand, price competition from Chinese rivals and concerns about the "
            "detention of Japanese employees on espionage charges.",
            "Still, most firms said they would keep operating in China, which remains a large market and "
            "manufacturing base.",
        ],
    ),
    # --- Sports ------------------------------------------------------------------------------
    _a(
        "japan-series-game-seven",
        "sports",
        12,
        "Hawks Win Japan Series in Game 7 on Walk-Off Double",
        "Fukuoka clinches its first title in five years before a home crowd.",
        "FUKUOKA",
        ["takeshi-kuroda"],
        ["Baseball", "Kyushu"],
        "stadium",
        "Fans celebrate at the stadium in Fukuoka on Sunday night.",
        [
            "A two-run double in the bottom of the ninth inning gave the Fukuoka Hawks a 4-3 win in Game 7 of "
            "the Japan Series on Sunday, their first championship in five years.",
            "Shortstop Daichi Noguchi lined the ball into the right-center gap with two outs, scoring runners "
            "from first and second as the home crowd of 38,000 erupted.",
            "“I was just trying not to strike out,” Noguchi said. “The fans did the rest.”",
            "The Hawks had trailed the series 3-2 before winning the final two games at home.",
        ],
        focal=(0.7, 0.55),
    ),
    _a(
        "samurai-japan-roster-classic",
        "sports",
        48,
        "Samurai Japan Names Three Major Leaguers to Preliminary Roster",
        "The manager says he wants a mix of experience and young pitchers.",
        "TOKYO",
        ["takeshi-kuroda"],
        ["Baseball", "United States"],
        "stadium",
        "A stadium in Tokyo before a national team exhibition game.",
        [
            "Japan's national baseball team named a preliminary roster of 35 players on Wednesday for next "
            "spring's international tournament, including three players from the major leagues.",
            "Manager Hiroshi Kamata said he would finalize the roster in February after talks with the players' "
            "clubs. “We need pitchers who can throw in March, not only in October,” he said.",
            "Japan won the previous tournament and will play its first-round games in Tokyo.",
        ],
    ),
    _a(
        "sumo-kyushu-basho-yokozuna",
        "sports",
        80,
        "Yokozuna Takes Early Lead at Kyushu Basho",
        "Two ozeki suffered upset losses on the fifth day.",
        "FUKUOKA",
        ["takeshi-kuroda"],
        ["Sumo", "Kyushu"],
        "night_street",
        "Banners outside the sumo venue in Fukuoka.",
        [
            "The yokozuna remained unbeaten after five days of the Kyushu Grand Sumo Tournament on Thursday, "
            "forcing out a komusubi in under five seconds.",
            "Both ozeki lost, one to a rank-and-file wrestler making his top-division debut. The 21-year-old "
            "from Aomori Prefecture received loud applause as he left the ring.",
            "The 15-day tournament, the last of the year, ends on Nov. 23.",
        ],
    ),
    _a(
        "j-league-title-race",
        "sports",
        110,
        "Title Race Goes to Final Day as Leaders Held to Draw",
        "Three clubs can still win the J1 championship.",
        "YOKOHAMA",
        ["takeshi-kuroda"],
        ["Soccer"],
        "stadium",
        "Players warm up before the match in Yokohama on Saturday.",
        [
            "The J1 League title will be decided on the final day after the leaders were held to a 1-1 draw in "
            "Yokohama on Saturday.",
            "They lead by two points from two rivals, both of whom won. The leaders will win the title with a "
            "victory next week regardless of other results.",
            "More than 60,000 fans attended, a record for a league match at the stadium this season.",
        ],
        focal=(0.35, 0.6),
    ),
    _a(
        "figure-skating-grand-prix-nhk",
        "sports",
        160,
        "Teen Skater Lands Quadruple Jump to Win NHK Trophy",
        "The 16-year-old becomes the youngest Japanese woman to win the event.",
        "OSAKA",
        ["takeshi-kuroda"],
        ["Figure Skating", "Osaka"],
        "abstract",
        "An illustration of a figure skater's spin.",
        [
            "Sixteen-year-old Kanon Shiraishi landed a quadruple toe loop in her free skate to win the NHK "
            "Trophy in Osaka on Saturday, becoming the youngest Japanese woman to win the Grand Prix event.",
            "Shiraishi scored 221.45 points in total, more than six ahead of the defending world champion.",
            "“I didn't think about the jump. I just listened to the music,” she said.",
        ],
    ),
    _a(
        "osaka-marathon-course-record",
        "sports",
        340,
        "Kenyan Runner Breaks Course Record at Osaka Marathon",
        "A Japanese runner finished third and qualified for the world championships.",
        "OSAKA",
        ["takeshi-kuroda"],
        ["Marathon", "Osaka"],
        "rain",
        "Runners pass through central Osaka in the rain on Sunday.",
        [
            "A Kenyan runner broke the course record at the Osaka Marathon on Sunday, finishing in 2 hours, 5 "
            "minutes and 11 seconds despite rain for most of the race.",
            "Japan's Yuto Hamada was third in 2:07:40 and met the qualifying standard for next year's world "
            "championships.",
            "About 34,000 people took part in the race.",
        ],
    ),
    _a(
        "high-school-rugby-hanazono",
        "sports",
        470,
        "Regional Qualifiers Decide Hanazono Rugby Field",
        "A first-time qualifier from Hokkaido will be among 51 teams.",
        "SAPPORO",
        ["hana-kobayashi"],
        ["Hokkaido", "Education"],
        "stadium",
        "A high school rugby match in Sapporo.",
        [
            "All 51 teams for the national high school rugby tournament at Hanazono Rugby Stadium in Osaka were "
            "decided on Sunday, including a school from Hokkaido making its first appearance.",
            "The school's team has only 19 players, and several also play on the baseball team. “We practiced "
            "in the snow,” the captain said.",
            "The tournament begins on Dec. 27.",
        ],
    ),
    _a(
        "women-soccer-nadeshiko-coach",
        "sports",
        620,
        "Women's National Team Appoints First Female Head Coach",
        "The former captain will lead the team through the next World Cup.",
        "TOKYO",
        ["takeshi-kuroda"],
        ["Soccer"],
        "stadium",
        "The national stadium in Tokyo.",
        [
            "The Japan Football Association on Monday named former national team captain Ayaka Mizuno as head "
            "coach of the women's team, the first woman to hold the post.",
            "Mizuno, 41, has coached the under-20 team since 2021 and led it to a world title last year.",
            "“I want the team to be brave with the ball,” she said.",
        ],
    ),
    # --- Science & Nature ----------------------------------------------------------------------
    _a(
        "optical-clock-japan-standard-time",
        "science-nature",
        16,
        "Optical Clocks to Help Keep Japan Standard Time",
        "The clocks would lose less than a second in billions of years.",
        "TOKYO",
        ["naomi-fujiwara"],
        ["Technology", "Space"],
        "starfield",
        "An illustration of an optical lattice clock's laser light.",
        [
            "A national research institute said on Thursday it would begin using domestically made optical "
            "lattice clocks to help keep Japan Standard Time, a step toward redefining the second.",
            "Optical clocks measure time using the vibrations of atoms trapped in laser light and are about 100 "
            "times more precise than the cesium atomic clocks used today.",
            "The institute said the clocks could also detect tiny differences in gravity between locations, "
            "which might one day help monitor volcanoes and changes in the Earth's crust.",
            "## What changes for everyone else",
            "Nothing that people will notice: clocks on phones and computers are synchronized with the national "
            "standard and already far more precise than daily life requires.",
        ],
        focal=(0.3, 0.4),
    ),
    _a(
        "asteroid-probe-sample-results",
        "science-nature",
        54,
        "Asteroid Samples Contain Building Blocks of DNA, Study Finds",
        "The findings add to evidence that life's ingredients may have come from space.",
        "SAGAMIHARA, Kanagawa",
        ["naomi-fujiwara"],
        ["Space"],
        "starfield",
        "An illustration of an asteroid and a distant planet.",
        [
            "Samples brought back from an asteroid by a Japanese probe contain all five nucleobases, the "
            "components that carry genetic information in DNA and RNA, an international team reported.",
            "Because the samples were sealed from Earth's atmosphere, researchers say the molecules formed in "
            "space and were not contamination.",
            "The study, published in a British journal, supports the idea that meteorites and asteroids could "
            "have delivered the raw materials of life to the early Earth.",
        ],
        focal=(0.62, 0.45),
    ),
    _a(
        "cherry-blossom-forecast-earlier",
        "science-nature",
        92,
        "Cherry Blossoms Blooming Earlier as Winters Warm, Study Shows",
        "Tokyo's blossoms now open about six days earlier than in the 1950s.",
        "TOKYO",
        ["naomi-fujiwara"],
        ["Climate", "Weather"],
        "blossoms",
        "Cherry blossoms in full bloom along a river in Tokyo.",
        [
            "Cherry blossoms in Tokyo now open about six days earlier on average than they did in the 1950s, "
            "according to an analysis of weather records by university researchers.",
            "The researchers also found that in some warm areas of Kyushu, blossoms are opening later or "
            "unevenly, because buds need a period of cold in winter to develop properly.",
            "If warming continues, they said, some southern areas may see only partial blooms by the end of the "
            "century.",
        ],
        focal=(0.35, 0.35),
    ),
    _a(
        "deep-sea-rare-earth-mud",
        "science-nature",
        180,
        "Research Ship Retrieves Rare-Earth Mud From 5,500 Meters",
        "The test near Minamitorishima is a first step toward possible mining.",
        "TOKYO",
        ["naomi-fujiwara"],
        ["Energy", "Technology"],
        "harbour",
        "A research vessel before departing for the Pacific.",
        [
            "A Japanese deep-sea research ship has retrieved mud containing rare-earth elements from a depth of "
            "about 5,500 meters near Minamitorishima Island, the government's marine research agency said.",
            "Rare earths are used in magnets for electric motors and wind turbines. Japan depends on imports for "
            "most of its supply.",
            "Scientists said the test showed the technology works but that mining at a commercial scale would "
            "take years, and that its impact on deep-sea ecosystems must be studied first.",
        ],
    ),
    _a(
        "red-crowned-crane-count",
        "science-nature",
        280,
        "Hokkaido Crane Population Reaches 1,900",
        "The birds once numbered fewer than 30 in the 1950s.",
        "KUSHIRO, Hokkaido",
        ["hana-kobayashi", "naomi-fujiwara"],
        ["Wildlife", "Hokkaido"],
        "fields",
        "Wetlands near Kushiro, eastern Hokkaido, where cranes winter.",
        [
            "The number of red-crowned cranes in Hokkaido has reached about 1,900, according to an annual "
            "count by a local conservation group, a recovery from fewer than 30 birds in the 1950s.",
            "Volunteers have fed the cranes in winter for decades. But experts warn that the birds are crowded "
            "into a few feeding areas, which raises the risk of bird flu spreading.",
            "The environment ministry plans to gradually reduce artificial feeding to encourage the cranes to "
            "spread out.",
        ],
        focal=(0.3, 0.55),
    ),
    _a(
        "typhoon-season-heavy-rain-study",
        "science-nature",
        420,
        "Warmer Seas Made Summer Downpours 30% More Likely, Study Says",
        "Meteorologists say linear rainbands are becoming more frequent in western Japan.",
        "TSUKUBA, Ibaraki",
        ["naomi-fujiwara"],
        ["Climate", "Weather", "Disaster Prevention"],
        "rain",
        "Heavy rain in a city in western Japan in July.",
        [
            "Higher sea surface temperatures made this summer's record downpours in western Japan about 30% "
            "more likely, researchers at the Meteorological Research Institute said.",
            "The study focused on linear rainbands, in which rain clouds form one after another over the same "
            "area for hours. Such rainbands caused floods and landslides in several prefectures in July.",
            "The Japan Meteorological Agency has begun issuing warnings about possible rainbands up to 12 hours "
            "in advance, but says forecasting their exact location remains difficult.",
        ],
    ),
    _a(
        "satellite-launch-h3-rocket",
        "science-nature",
        580,
        "H3 Rocket Puts Navigation Satellite Into Orbit",
        "The launch brings Japan closer to a seven-satellite positioning system.",
        "KAGOSHIMA",
        ["naomi-fujiwara"],
        ["Space", "Technology"],
        "starfield",
        "An illustration of a satellite in orbit.",
        [
            "An H3 rocket lifted off from the Tanegashima Space Center in Kagoshima Prefecture on Sunday and "
            "placed a navigation satellite into orbit, the space agency said.",
            "The satellite is part of Japan's own positioning system, which works alongside GPS to give more "
            "accurate locations in cities with tall buildings and in mountainous areas.",
            "The government plans to have seven satellites in operation by next year and eventually 11.",
        ],
    ),
    _a(
        "coral-bleaching-okinawa",
        "science-nature",
        690,
        "Coral Bleaching Spreads in Okinawa After Record Sea Temperatures",
        "Divers report damage at more than 80% of survey sites.",
        "NAHA",
        ["naomi-fujiwara"],
        ["Okinawa", "Climate", "Wildlife"],
        "harbour",
        "The sea off Okinawa Island at dawn.",
        [
            "Coral bleaching has been found at more than 80% of survey sites around Okinawa Island, the "
            "environment ministry said, after sea temperatures stayed above 30 C for weeks.",
            "Bleached coral is not dead but can die if high temperatures continue. Researchers said recovery "
            "could take a decade or more.",
            "Dive operators said tourists were still coming but asked about the coral's condition.",
        ],
    ),
    # --- Culture -----------------------------------------------------------------------------
    _a(
        "animated-film-box-office-record",
        "culture",
        22,
        "Animated Film Becomes Japan's Fastest to Earn ¥20 Billion",
        "The story of a lighthouse keeper's daughter reached the mark in 38 days.",
        "TOKYO",
        ["emi-nakagawa"],
        ["Film"],
        "harbour",
        "A scene in the style of the film's seaside setting.",
        [
            "An animated film about a lighthouse keeper's daughter in a fishing town has earned ¥20 billion at "
            "the Japanese box office in 38 days, the fastest any film has reached the mark, its distributor said.",
            "The film, directed by Noriko Ueda, has drawn many adult viewers who say it reminds them of their "
            "hometowns. Towns on the Sea of Japan coast that resemble its setting report rising visitor numbers.",
            "It will open in North America and Europe next spring.",
        ],
        focal=(0.66, 0.4),
    ),
    _a(
        "kanazawa-crafts-exhibition",
        "culture",
        85,
        "Kanazawa Artisans Show Work Made After Quake Destroyed Studios",
        "The exhibition includes lacquerware and pottery from the Noto Peninsula.",
        "KANAZAWA",
        ["emi-nakagawa"],
        ["Art", "Earthquakes"],
        "abstract",
        "An illustration inspired by Wajima lacquerware patterns.",
        [
            "An exhibition in Kanazawa is showing lacquerware, pottery and textiles made by artisans from the "
            "Noto Peninsula whose studios were destroyed in the earthquake two years ago.",
            "Many of the craftspeople have worked in temporary workshops set up in public buildings. Some had to "
            "rebuild tools by hand.",
            "> “The lacquer does not care that the walls are temporary,” said a Wajima lacquer artist, 72.",
            "The exhibition runs through the end of the month.",
        ],
    ),
    _a(
        "novel-prize-debut-writer",
        "culture",
        135,
        "Debut Novel About Night-Shift Workers Wins Literary Prize",
        "The author wrote the book on her phone during breaks at a logistics warehouse.",
        "TOKYO",
        ["emi-nakagawa"],
        ["Books", "Labor"],
        "night_street",
        "A warehouse district in Tokyo at night.",
        [
            "A debut novel about workers on the night shift at a logistics warehouse has won one of Japan's "
            "main literary prizes for new writers.",
            "The author, 29, said she wrote most of the book on her smartphone during breaks at the warehouse "
            "where she still works part time.",
            "Judges praised its “quiet, exact” portrait of people who keep online shopping running while others sleep.",
        ],
    ),
    _a(
        "washoku-school-lunch",
        "culture",
        230,
        "Schools Put Regional Dishes on Lunch Menus to Keep Recipes Alive",
        "Children in Fukuoka learn to make a local fish broth once a month.",
        "FUKUOKA",
        ["emi-nakagawa", "ryo-matsuda"],
        ["Food", "Education", "Kyushu"],
        "fields",
        "Vegetable fields that supply school kitchens in Fukuoka Prefecture.",
        [
            "Public schools in Fukuoka Prefecture serve a regional dish on their lunch menus once a month, part "
            "of an effort to keep home cooking traditions alive as fewer families cook them.",
            "This month's dish is a broth made with flying fish, a specialty of the prefecture's coast.",
            "Nutritionists say the program has also helped children eat more vegetables, which are grown by "
            "local farmers.",
        ],
    ),
    _a(
        "music-festival-fuji-rock-lineup",
        "culture",
        370,
        "Mountain Music Festival Adds Late-Night Shuttle Trains",
        "Organizers hope to cut car traffic on narrow mountain roads.",
        "NIIGATA",
        ["emi-nakagawa"],
        ["Music", "Transport"],
        "mountains",
        "The mountains surrounding the festival site in Niigata Prefecture.",
        [
            "Organizers of a large summer music festival in the mountains of Niigata Prefecture said next "
            "year's event will add late-night shuttle trains in cooperation with a railway company.",
            "Traffic jams on narrow roads have been a long-standing problem, with some visitors waiting hours "
            "to leave the site.",
            "The festival drew about 120,000 people over three days this year.",
        ],
    ),
    _a(
        "museum-ukiyoe-digital",
        "culture",
        500,
        "Museum Puts 40,000 Woodblock Prints Online in High Resolution",
        "Users can zoom in on details invisible in exhibitions.",
        "TOKYO",
        ["emi-nakagawa"],
        ["Art", "Technology"],
        "abstract",
        "An illustration inspired by woodblock print colors.",
        [
            "A Tokyo museum has published high-resolution images of about 40,000 woodblock prints online, free "
            "to view and, for most, free to reuse.",
            "The images are detailed enough to show the grain of the wood blocks and tiny corrections made by "
            "printers in the Edo period (1603-1867).",
            "Curators said they hoped designers and students would use the images in new work.",
        ],
        focal=(0.3, 0.6),
    ),
    _a(
        "kabuki-young-actors",
        "culture",
        650,
        "Young Kabuki Actors Stage Rare Works in Small Theater",
        "The program revives plays not performed in decades.",
        "KYOTO",
        ["emi-nakagawa"],
        ["Art"],
        "night_street",
        "Lanterns outside a theater in Kyoto.",
        [
            "A group of young kabuki actors is staging three rarely performed plays in a small theater in "
            "Kyoto this month, some not seen on stage for more than 50 years.",
            "The actors reconstructed the plays from old scripts and recordings, with advice from retired performers.",
            "Tickets sold out within hours, the organizers said.",
        ],
    ),
    # --- Editorial ---------------------------------------------------------------------------
    _a(
        "editorial-supplementary-budget",
        "editorial",
        14,
        "Extra Budget Must Not Become an Annual Habit",
        "Relief for households is needed, but the government must explain how it will be paid for.",
        "",
        ["editorial-board"],
        ["Economy", "Diet"],
        "chart",
        "A chart of government debt.",
        [
            "Rising prices are a real burden, especially for households with low incomes and pensioners. The "
            "government is right to help them this winter.",
            "But a supplementary budget of more than ¥13 trillion, mostly financed by new bonds, has become an "
            "almost automatic event every autumn. Extra budgets receive far less scrutiny in the Diet than the "
            "main budget, and much of their spending is never evaluated.",
            "Subsidies for electricity and gas bills in particular should have a clear end date. Otherwise they "
            "weaken the incentive to save energy and delay the shift to renewable power.",
            "The government should present a credible plan to restore a primary budget surplus, and the Diet "
            "should examine every line of the package.",
        ],
    ),
    _a(
        "editorial-disaster-shelters",
        "editorial",
        74,
        "New Disaster Agency Must Fix Shelters First",
        "Evacuees should not have to sleep on cold gym floors.",
        "",
        ["editorial-board"],
        ["Disaster Prevention", "Earthquakes"],
        "rain",
        "An evacuation center in a school gymnasium.",
        [
            "The Diet has created a Disaster Management Agency. Its first task should be the conditions in "
            "evacuation shelters.",
            "After every large earthquake, the same images appear: older people on cold gym floors, too few "
            "toilets, no privacy. Many deaths after disasters are linked to poor conditions in shelters.",
            "International standards for humanitarian relief set minimum space per person and toilets per "
            "number of people. Japan should meet them, and the new agency should have the budget to help "
            "municipalities do so.",
        ],
    ),
    _a(
        "editorial-teacher-workload",
        "editorial",
        230,
        "Cut Teachers' Work, Not Just Raise Their Pay",
        "Higher allowances alone will not bring young people back to the profession.",
        "",
        ["editorial-board"],
        ["Education", "Labor"],
        "blossoms",
        "A school courtyard in spring.",
        [
            "The education ministry plans to raise teachers' special allowance. That is welcome, but it does not "
            "address the main reason young people avoid the job: the hours.",
            "Teachers supervise club activities on weekends, handle complaints from parents and fill in forms "
            "that could be done by office staff. Schools should hand these tasks to others.",
            "Without real limits on working hours, a higher allowance risks becoming payment for unlimited overtime.",
        ],
    ),
    _a(
        "editorial-bears-towns",
        "editorial",
        450,
        "Living With Bears Requires Long-Term Planning",
        "Emergency measures are needed, but so is managing the land between town and forest.",
        "",
        ["editorial-board"],
        ["Wildlife", "Aging Society"],
        "mountains",
        "Mountains in the Tohoku region.",
        [
            "Bear attacks in northern Japan this year have been frightening, and the government is right to give "
            "police clearer powers to respond when a bear enters a town.",
            "But the longer-term cause is a change in the countryside. As villages age and fields are abandoned, "
            "the buffer zone between forests and homes has disappeared.",
            "Local governments need support to clear brush, manage abandoned orchards and train hunters, whose "
            "numbers are falling.",
        ],
    ),
    # --- Not (yet) visible: scheduled, draft, withdrawn --------------------------------------
    _a(
        "new-year-economic-outlook",
        "business",
        -20,
        "Economists See Growth Slowing to 0.6% Next Year",
        "Consumption is expected to recover only gradually as real wages turn positive.",
        "TOKYO",
        ["yui-hasegawa"],
        ["Economy", "Bank of Japan"],
        "chart",
        "A chart of Japan's economic growth forecasts.",
        [
            "Japan's economy will grow 0.6% in real terms next fiscal year, according to the average forecast of "
            "15 private-sector economists surveyed by the paper.",
            "Most expect real wages to turn positive by the summer as inflation slows, supporting consumption.",
            "Risks include U.S. tariffs and a slowdown in China, the economists said.",
        ],
        status="scheduled",
    ),
    _a(
        "draft-shinkansen-extension-hokkaido",
        "society",
        None,
        "Hokkaido Shinkansen Extension to Sapporo Delayed Again",
        "Tunnel work through hard rock has slowed construction.",
        "SAPPORO",
        ["hana-kobayashi"],
        ["Transport", "Hokkaido"],
        "train",
        "A shinkansen train on a viaduct in Hokkaido.",
        [
            "The opening of the Hokkaido Shinkansen extension to Sapporo will be delayed beyond the planned "
            "date, the railway construction agency is expected to announce.",
            "Tunnel boring has been slowed by unexpectedly hard rock and large boulders.",
            "[Editor: confirm the agency's announcement date before publishing.]",
        ],
        status="draft",
    ),
    _a(
        "withdrawn-stadium-naming-rights",
        "sports",
        300,
        "Stadium Naming Rights Deal Reported Signed",
        "A report on a naming rights agreement that could not be confirmed.",
        "TOKYO",
        ["takeshi-kuroda"],
        ["Baseball"],
        "stadium",
        "A baseball stadium in Tokyo.",
        [
            "This article has been withdrawn because the agreement it described had not been signed.",
        ],
        status="withdrawn",
    ),
]
