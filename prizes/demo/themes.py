# ruff: noqa: E501  (content: one sentence a line reads better than wrapped strings)
"""What demo projects are about, per prize category: the words their titles and texts are
written from, so that an e-health project reads as one and is entered in e-health.

Each category (and so its WSIS action line, C1 to C11) has its topics, the people it
serves, the needs it answers, what the projects do and what they achieved. Slots in
braces are filled by ``prizes.demo.writing``: ``{topic}``, ``{group}``, ``{place}`` (a UN
member state or observer), ``{org}``, ``{year}`` (and ``{until}``, five years on) and
numbers ``{n}``, ``{m}``, ``{pct}``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    topics: tuple[str, ...]
    groups: tuple[str, ...]
    needs: tuple[str, ...]
    activities: tuple[str, ...]
    results: tuple[str, ...]
    titles: tuple[str, ...]
    ministry: str


THEMES: dict[int, Theme] = {
    1: Theme(
        topics=(
            "a national digital strategy",
            "a multi-stakeholder ICT council",
            "a digital inclusion policy",
        ),
        groups=(
            "line ministries",
            "local governments",
            "civil society networks",
            "the private sector",
        ),
        needs=(
            "ICT projects were planned ministry by ministry, with no shared direction",
            "citizens and companies had no say in how the country went digital",
        ),
        activities=(
            "It brings ministries, regulators, companies and civil society to one table every quarter.",
            "A public consultation gathered comments from {group} before each policy was adopted.",
            "Every ministry now reports its digital projects against common targets, published online.",
            "Regional hearings took the draft policy to {group} outside the capital.",
        ),
        results=(
            "{n} ministries now plan their ICT budgets against the strategy.",
            "More than {m} comments from the public shaped the final text.",
            "Duplicate ICT spending fell by {pct} per cent in three years.",
        ),
        titles=("{Topic} for {place}", "{Topic} {year}-{until}"),
        ministry="Ministry of ICT",
    ),
    2: Theme(
        topics=(
            "rural broadband",
            "community networks",
            "last-mile fibre",
            "solar-powered Wi-Fi hotspots",
        ),
        groups=("remote villages", "island communities", "rural schools", "border districts"),
        needs=(
            "half of the rural population lived out of reach of any mobile signal",
            "the cost of a connection was beyond the reach of most households",
        ),
        activities=(
            "Local technicians, trained by the project, build and maintain the network themselves.",
            "Shared towers and open-access fibre let several operators serve {group} at lower cost.",
            "Solar power keeps the sites running where the grid does not reach.",
            "A universal service fund covers the first years of operation in unprofitable areas.",
        ),
        results=(
            "{n} villages were connected for the first time.",
            "Around {m} people now have affordable internet access.",
            "The price of one gigabyte fell by {pct} per cent in the areas served.",
        ),
        titles=("{Topic} for {group}", "Connecting {group} in {place}"),
        ministry="National Telecommunications Authority",
    ),
    3: Theme(
        topics=(
            "an open data portal",
            "a digital public library",
            "public access centres",
            "an open government data programme",
        ),
        groups=(
            "journalists and researchers",
            "small towns",
            "students",
            "persons with disabilities",
        ),
        needs=(
            "public information was scattered across offices and published on paper only",
            "people outside the cities had no place to go online or find official information",
        ),
        activities=(
            "Datasets from every ministry are published in open formats, with a licence for reuse.",
            "Libraries and post offices host free computers and trained helpers for {group}.",
            "The collection is accessible with screen readers and in easy-to-read versions.",
            "A yearly hackathon invites developers to build services on the published data.",
        ),
        results=(
            "{n} datasets are published and downloaded {m} times a month.",
            "{n} public access centres opened, used by {m} people a year.",
            "Requests for information are answered {pct} per cent faster.",
        ),
        titles=("{Topic} for {place}", "Open knowledge for {group}"),
        ministry="Ministry of Information",
    ),
    4: Theme(
        topics=(
            "digital skills training",
            "coding clubs",
            "ICT teacher training",
            "digital literacy for all",
        ),
        groups=("young women", "out-of-school youth", "older persons", "public servants"),
        needs=(
            "most jobs now ask for digital skills that schools did not teach",
            "many people had a phone but did not know how to use it safely or well",
        ),
        activities=(
            "Trainers from the community give free courses in the local language.",
            "Courses range from first steps online to programming and data analysis.",
            "Mentors follow each graduate for six months after the course.",
            "The curriculum follows the national digital competence framework.",
        ),
        results=(
            "{m} people were trained, {pct} per cent of them women.",
            "{n} trainers were certified to run the courses on their own.",
            "{pct} per cent of graduates found work or started a business within a year.",
        ),
        titles=("{Topic} for {group}", "Skills for a digital {place}"),
        ministry="Ministry of Education",
    ),
    5: Theme(
        topics=(
            "cybersecurity awareness",
            "child online protection",
            "a national CERT",
            "cyber hygiene for small businesses",
        ),
        groups=(
            "schoolchildren and parents",
            "small businesses",
            "hospitals and utilities",
            "banks",
        ),
        needs=(
            "online fraud and ransomware attacks were rising every year",
            "children went online younger and younger, with no guidance",
        ),
        activities=(
            "A national hotline takes reports of incidents and abuse, day and night.",
            "Awareness campaigns reach {group} through schools, radio and social media.",
            "Incident responders share warnings with {group} within hours of a new threat.",
            "Regular exercises test how operators of essential services respond to an attack.",
        ),
        results=(
            "{m} incidents were handled, and response times halved.",
            "{n} schools took part in the online safety programme.",
            "Reported fraud fell by {pct} per cent among the businesses trained.",
        ),
        titles=("{Topic} for {group}", "Safe online in {place}"),
        ministry="National Cybersecurity Agency",
    ),
    6: Theme(
        topics=(
            "a digital trade regulation",
            "spectrum reform",
            "an ICT investment framework",
            "a data protection law",
        ),
        groups=("start-ups", "telecom operators", "foreign investors", "consumers"),
        needs=(
            "outdated rules kept new operators and services out of the market",
            "investors found the licensing process slow and unpredictable",
        ),
        activities=(
            "Licences are now granted online within thirty days, with published criteria.",
            "The regulator consulted {group} on each draft rule and published their comments.",
            "A regulatory sandbox lets new services be tested under supervision.",
            "Spectrum was released for mobile broadband through open auctions.",
        ),
        results=(
            "{n} new operators and service providers entered the market.",
            "ICT investment grew by {pct} per cent in four years.",
            "{m} companies registered under the new framework.",
        ),
        titles=("{Topic} in {place}", "An enabling environment for {group}"),
        ministry="Ministry of Digital Economy",
    ),
    7: Theme(
        topics=(
            "a one-stop e-services portal",
            "digital identity",
            "online tax filing",
            "e-procurement",
        ),
        groups=(
            "citizens abroad",
            "small businesses",
            "rural residents",
            "persons with disabilities",
        ),
        needs=(
            "a simple certificate took several visits to different offices",
            "paper procedures cost citizens days of work and opened the door to bribes",
        ),
        activities=(
            "More than a hundred procedures can now be completed online, from any phone.",
            "A single digital identity lets {group} sign in to every public service.",
            "Service centres help those who prefer to be served in person, with the same system.",
            "Every request can be tracked online, with a legal deadline for the answer.",
        ),
        results=(
            "{m} transactions a year are made online.",
            "The average time to obtain a document fell from weeks to {n} days.",
            "{pct} per cent of users rate the services as good or very good.",
        ),
        titles=("{Topic} for {place}", "{Brand}: government services for {group}"),
        ministry="Ministry of Public Administration",
    ),
    8: Theme(
        topics=(
            "mobile payments for small businesses",
            "an e-commerce marketplace",
            "a digital trade hub",
            "e-invoicing",
        ),
        groups=("market traders", "women entrepreneurs", "artisans", "small exporters"),
        needs=(
            "small businesses could not reach buyers beyond their own town",
            "cash-only trade kept small firms out of credit and formal markets",
        ),
        activities=(
            "Sellers open a shop online in minutes and are paid by mobile money.",
            "Training sessions show {group} how to photograph, price and ship their goods.",
            "Shared logistics points collect parcels from {group} and deliver across the country.",
            "Transaction records help sellers obtain their first loan.",
        ),
        results=(
            "{m} businesses sell online through the platform.",
            "Participating sellers raised their income by {pct} per cent on average.",
            "{n} small firms exported for the first time.",
        ),
        titles=("{Topic} for {group}", "{Brand} — trading online from {place}"),
        ministry="Ministry of Trade",
    ),
    9: Theme(
        topics=(
            "an online learning platform",
            "open educational resources",
            "virtual classrooms",
            "radio and SMS lessons",
        ),
        groups=(
            "secondary schools",
            "refugee children",
            "teachers in remote areas",
            "adult learners",
        ),
        needs=(
            "schools closed for months and many pupils had no way to keep learning",
            "textbooks were scarce and out of date in rural schools",
        ),
        activities=(
            "Lessons follow the national curriculum and work offline once downloaded.",
            "Teachers receive tablets and training to blend digital lessons with class work.",
            "Where data is too expensive, the same lessons go out by radio and SMS.",
            "All materials are published under an open licence for other countries to reuse.",
        ),
        results=(
            "{m} pupils use the platform every week.",
            "{n} teachers were trained in digital teaching.",
            "Exam pass rates in the schools taking part rose by {pct} per cent.",
        ),
        titles=("{Topic} for {group}", "Learning without limits in {place}"),
        ministry="Ministry of Education",
    ),
    10: Theme(
        topics=(
            "telemedicine",
            "electronic health records",
            "mobile health alerts",
            "a digital vaccination registry",
        ),
        groups=(
            "rural clinics",
            "pregnant women",
            "community health workers",
            "patients with chronic diseases",
        ),
        needs=(
            "patients in remote districts travelled for hours to see a doctor",
            "health records were kept on paper and lost between clinics",
        ),
        activities=(
            "Nurses in {group} consult specialists in the capital by video.",
            "Patients receive SMS reminders for check-ups, vaccinations and medicines.",
            "Every clinic shares one record per patient, with the patient's consent.",
            "Community health workers report cases from their phones, so outbreaks are seen early.",
        ),
        results=(
            "{m} remote consultations were held in the last year.",
            "{n} clinics now keep electronic records.",
            "Missed vaccination appointments fell by {pct} per cent.",
        ),
        titles=("{Topic} for {group}", "{Brand}: {topic} in {place}"),
        ministry="Ministry of Health",
    ),
    11: Theme(
        topics=(
            "online job matching",
            "remote work skills",
            "digital apprenticeships",
            "a platform for gig workers' rights",
        ),
        groups=(
            "young graduates",
            "persons with disabilities",
            "returning migrants",
            "women re-entering work",
        ),
        needs=(
            "jobseekers and employers could not find each other outside the capital",
            "young people left school without the skills employers were asking for",
        ),
        activities=(
            "Jobseekers build a profile once and are matched with vacancies by skill.",
            "Employers post vacancies for free and see verified training certificates.",
            "Apprentices split their week between a company and online courses.",
            "Career advisers give {group} online coaching in their own language.",
        ),
        results=(
            "{m} people found a job through the platform.",
            "{n} employers post their vacancies there.",
            "{pct} per cent of apprentices were hired at the end of their contract.",
        ),
        titles=("{Topic} for {group}", "{Brand}: decent digital work in {place}"),
        ministry="Ministry of Labour",
    ),
    12: Theme(
        topics=(
            "an early warning system",
            "air quality monitoring",
            "e-waste recycling",
            "flood forecasting",
        ),
        groups=(
            "coastal towns",
            "farming communities",
            "city residents",
            "disaster management agencies",
        ),
        needs=(
            "floods and storms struck with little or no warning",
            "old phones and computers were burned in the open, poisoning neighbourhoods",
        ),
        activities=(
            "Sensors and satellite data feed a model that forecasts risks days ahead.",
            "Warnings reach {group} by SMS, radio and loudspeakers in the local language.",
            "Collection points take back old devices and certified recyclers recover the metals.",
            "The data is open, so that researchers and planners can use it.",
        ),
        results=(
            "Warnings now reach {m} people within minutes.",
            "{n} tonnes of electronic waste were collected and treated safely.",
            "Losses from extreme weather fell by {pct} per cent in the districts covered.",
        ),
        titles=("{Topic} for {group}", "{Brand}: {topic} in {place}"),
        ministry="Ministry of Environment",
    ),
    13: Theme(
        topics=(
            "farm advice by SMS",
            "crop price information",
            "precision agriculture",
            "digital land records",
        ),
        groups=(
            "smallholder farmers",
            "women farmers",
            "fishing communities",
            "farmers' cooperatives",
        ),
        needs=(
            "farmers sold their harvest without knowing the price in the next market",
            "extension officers could visit each village only once or twice a year",
        ),
        activities=(
            "Farmers receive weather forecasts and planting advice on a basic phone.",
            "Market prices from {n} markets are updated daily and sent on request.",
            "Soil sensors and drone images show which fields need water or fertiliser.",
            "A call centre of agronomists answers questions in local languages.",
        ),
        results=(
            "{m} farmers are registered for the service.",
            "Yields rose by {pct} per cent among the farmers following the advice.",
            "{n} cooperatives now sell through the price platform.",
        ),
        titles=("{Topic} for {group}", "{Brand}: smarter farming in {place}"),
        ministry="Ministry of Agriculture",
    ),
    14: Theme(
        topics=(
            "a research and education network",
            "citizen science",
            "an open science cloud",
            "shared high-performance computing",
        ),
        groups=(
            "universities",
            "young researchers",
            "school science clubs",
            "public research institutes",
        ),
        needs=(
            "researchers paid more for bandwidth than their colleagues abroad and waited days for data",
            "scientific data stayed on individual laptops and was lost when projects ended",
        ),
        activities=(
            "The network links {group} to each other and to research networks worldwide.",
            "Researchers store and share their data under FAIR principles.",
            "Volunteers collect observations with a phone app, checked by scientists.",
            "Computing time is shared between institutions that could not afford their own.",
        ),
        results=(
            "{n} institutions are connected.",
            "{m} datasets are openly available.",
            "Joint publications with foreign partners rose by {pct} per cent.",
        ),
        titles=("{Topic} for {group}", "Open science in {place}"),
        ministry="Ministry of Higher Education and Research",
    ),
    15: Theme(
        topics=(
            "local language content",
            "a digital heritage archive",
            "indigenous language apps",
            "keyboards and voice tools for local languages",
        ),
        groups=(
            "indigenous communities",
            "speakers of minority languages",
            "museums and archives",
            "schoolchildren",
        ),
        needs=(
            "the country's languages were almost absent from the web",
            "recordings and manuscripts of the country's heritage were decaying in storage",
        ),
        activities=(
            "Volunteers translate and record content in languages spoken by {group}.",
            "Manuscripts, photographs and songs are digitised and described by the communities themselves.",
            "Free keyboards and speech tools let people write and speak to their phones in their own language.",
            "Elders and young people work together on every recording.",
        ),
        results=(
            "{m} items of heritage are online and free to consult.",
            "Content now exists in {n} local languages.",
            "{pct} per cent of users are under thirty.",
        ),
        titles=("{Topic} for {group}", "{Brand}: our languages online"),
        ministry="Ministry of Culture",
    ),
    16: Theme(
        topics=(
            "community radio online",
            "media literacy",
            "a fact-checking network",
            "digital tools for local newsrooms",
        ),
        groups=("local journalists", "young people", "community radio stations", "voters"),
        needs=(
            "false information spread faster than any correction",
            "local newsrooms lacked the tools to go online and were closing",
        ),
        activities=(
            "Journalists are trained to verify images, videos and claims before publishing.",
            "Community stations stream their programmes and share them with each other.",
            "Media literacy lessons teach {group} how to check a source.",
            "A shared newsroom tool lets small outlets publish on the web, radio and social media at once.",
        ),
        results=(
            "{m} claims were checked and the corrections shared widely.",
            "{n} community stations now broadcast online.",
            "{pct} per cent of the students trained could spot a manipulated image afterwards.",
        ),
        titles=("{Topic} for {group}", "Trusted news for {place}"),
        ministry="Ministry of Information and Communication",
    ),
    17: Theme(
        topics=(
            "ethical guidelines for artificial intelligence",
            "digital rights education",
            "responsible data use",
            "algorithmic accountability",
        ),
        groups=("public agencies", "software developers", "young people", "civil society groups"),
        needs=(
            "automated decisions about people were taken with no explanation or appeal",
            "people did not know what rights they had over their personal data",
        ),
        activities=(
            "A public register lists every algorithm the administration uses to decide about people.",
            "Workshops with {group} turn ethical principles into concrete checklists.",
            "An impact assessment is required before any new system handles personal data.",
            "A plain-language guide explains people's rights and how to use them.",
        ),
        results=(
            "{n} public systems were assessed and {pct} per cent of them changed as a result.",
            "{m} people attended the digital rights sessions.",
            "The guidelines were adopted by {n} institutions.",
        ),
        titles=("{Topic} for {group}", "Human-centred technology in {place}"),
        ministry="Ministry of Justice",
    ),
    18: Theme(
        topics=(
            "regional ICT cooperation",
            "cross-border data exchange",
            "South-South knowledge sharing",
            "a regional internet exchange point",
        ),
        groups=(
            "neighbouring countries",
            "regional regulators",
            "small island states",
            "landlocked developing countries",
        ),
        needs=(
            "traffic between neighbouring countries travelled through other continents",
            "each country solved the same digital problems alone, at full cost",
        ),
        activities=(
            "The partners agreed on common standards so that their systems work together.",
            "Experts from {group} spend time in each other's agencies.",
            "A regional exchange point keeps local traffic local, faster and cheaper.",
            "Open-source tools built by one country are adapted and reused by the others.",
        ),
        results=(
            "{n} countries take part.",
            "Regional traffic costs fell by {pct} per cent.",
            "{m} officials took part in the exchanges.",
        ),
        titles=("{Topic} among {group}", "{Brand}: {topic} from {place}"),
        ministry="Ministry of Foreign Affairs",
    ),
}

# Sentences any project may use; the same slots.
INTROS = (
    "Launched in {year} by {org}, the project brings {topic} to {group} in {place}.",
    "{org} started the initiative in {year} because {need}: its answer is {topic}.",
    "In {place}, {need}; {org} set out in {year} to change that with {topic}.",
    "The project puts {topic} within reach of {group} across {place}.",
)
PARTNERSHIPS = (
    "It is run with the national regulator, two universities and a network of local associations.",
    "Partners include the ministry in charge, a mobile operator and several civil society groups.",
    "The project was designed with {group}, who sit on its steering committee.",
    "Development partners co-funded the first phase; the government funds its extension.",
    "Local authorities provide the premises and a private company the equipment, at cost.",
)
CHALLENGES = (
    "The main difficulty was reaching people with no connection at all; offline tools and partners on the ground solved it.",
    "Trust had to be earned: the project publishes its results and answers every complaint.",
    "Funding after the pilot was uncertain until the budget law included the programme.",
    "Power cuts and the cost of data slowed the roll-out in the most remote areas.",
    "Some staff resisted the change at first; training and early visible results won them over.",
)
SUSTAINABILITY = (
    "The model is documented and already being repeated in {n} other regions.",
    "Running costs are covered by the national budget and small fees from those who can pay.",
    "Everything the project built is open source, so others can reuse it freely.",
    "Local staff now run every part of the service without outside help.",
)
# Made-up project brands for titles such as "MediLink: telemedicine in Kenya".
BRAND_STEMS = (
    "Connect",
    "Open",
    "Smart",
    "Safe",
    "Green",
    "Data",
    "Village",
    "Civic",
    "Trade",
    "Skill",
    "Link",
    "Bridge",
    "Kasi",
    "Ubuntu",
    "Nexus",
    "Terra",
    "Sahel",
)
BRAND_ENDINGS = ("Link", "Net", "Hub", "Go", "Connect", "Now", "Path", "Gate", "Lab", "Plus")
