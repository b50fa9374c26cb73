"""Where demo projects come from: the 193 United Nations member states and the two
non-member observer states, as ISO 3166-1 alpha-2 codes.

The contest takes entries from the UN's membership (ITU's Member States are the same
countries), so the demo does too, rather than any code ISO lists (territories, Antarctica).
Written out here, not derived from a library, so that the list is the UN's own and stays
the same whatever version of pycountry is installed.
"""

from __future__ import annotations

# The 193 member states (https://www.un.org/en/about-us/member-states), by code.
_MEMBER_CODES = """
AF AL DZ AD AO AG AR AM AU AT AZ BS BH BD BB BY BE BZ BJ BT BO BA BW BR BN BG BF BI CV
KH CM CA CF TD CL CN CO KM CG CR CI HR CU CY CZ KP CD DK DJ DM DO EC EG SV GQ ER EE SZ
ET FJ FI FR GA GM GE DE GH GR GD GT GN GW GY HT HN HU IS IN ID IR IQ IE IL IT JM JP JO
KZ KE KI KW KG LA LV LB LS LR LY LI LT LU MG MW MY MV ML MT MH MR MU MX FM MD MC MN ME
MA MZ MM NA NR NP NL NZ NI NE NG MK NO OM PK PW PA PG PY PE PH PL PT QA KR RO RU RW KN
LC VC WS SM ST SA SN RS SC SL SG SK SI SB SO ZA SS ES LK SD SR SE CH SY TJ TH TL TG TO
TT TN TR TM TV UG UA AE GB TZ US UY UZ VU VE VN YE ZM ZW
"""
UN_MEMBER_STATES: tuple[str, ...] = tuple(_MEMBER_CODES.split())
# The two non-member observer states: the Holy See and the State of Palestine.
UN_OBSERVER_STATES: tuple[str, ...] = ("VA", "PS")
UN_COUNTRIES: tuple[str, ...] = UN_MEMBER_STATES + UN_OBSERVER_STATES

# Short names for the texts (ISO's official ones read badly in a sentence: "Bolivia,
# Plurinational State of"); any code not listed reads as pycountry's common name.
SHORT_NAMES = {
    "BO": "Bolivia",
    "BN": "Brunei Darussalam",
    "CD": "the Democratic Republic of the Congo",
    "CG": "the Congo",
    "CI": "Côte d'Ivoire",
    "FM": "Micronesia",
    "GB": "the United Kingdom",
    "IR": "Iran",
    "KP": "the Democratic People's Republic of Korea",
    "KR": "the Republic of Korea",
    "LA": "the Lao People's Democratic Republic",
    "MD": "the Republic of Moldova",
    "PS": "the State of Palestine",
    "RU": "the Russian Federation",
    "SY": "the Syrian Arab Republic",
    "TZ": "the United Republic of Tanzania",
    "US": "the United States",
    "VA": "the Holy See",
    "VE": "Venezuela",
    "VN": "Viet Nam",
    "AE": "the United Arab Emirates",
    "NL": "the Netherlands",
    "PH": "the Philippines",
    "DO": "the Dominican Republic",
    "CF": "the Central African Republic",
    "CZ": "Czechia",
    "TR": "Türkiye",
}


def country_name(code: str) -> str:
    """The country as a sentence names it."""
    if code in SHORT_NAMES:
        return SHORT_NAMES[code]
    import pycountry

    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    return str(getattr(country, "common_name", None) or country.name)
