"""The issue-10 precision rules of the tagger, one error class per test: role cues for foreign
actors, background sentences, amount kinds and units, instrument precedence, Hindi, the EU.

Each case is a sentence or title written for the test (not taken from a gold set), so these
tests check the rules themselves; the gold sets measure them on whole releases.
"""

from __future__ import annotations

import pytest

from assets.events.tagger import (
    extract_amounts,
    find_actors,
    load_vocab,
    normalise,
    tag_release,
)


@pytest.fixture(scope="module")
def vocab():
    return load_vocab()


def _countries(vocab, body: str, title: str = "Review of critical minerals cooperation") -> set:
    rel = {"title": title, "body_text": body}
    return {a.area_code for a in find_actors(rel, vocab, "Ministry of Mines") if a.area_code}


def _amounts(vocab, text: str) -> set:
    return {(round(a.value, 6), a.unit, a.kind) for a in extract_amounts(text, vocab)}


def _tag(vocab, title: str, body: str = "", **kw):
    return tag_release({"prid": 1, "title": title, "body_text": body, **kw}, vocab)


# --------------------------------------------------------------------------- actors need a cue


@pytest.mark.parametrize(
    ("body", "countries"),
    [
        ("China accounts for most magnet production, and India imports magnets.", {699}),
        ("Japan's Foreign Minister attended the meeting.", {699, 392}),
        ("The round of the India-Peru Trade Agreement talks was held in Lima.", {699, 604}),
        ("India joined the network at a meeting hosted by the United States.", {699, 842}),
        ("Australia pledged A$5.8 million to the partnership.", {699, 36}),
        ("KABIL signed an agreement with CAMYEN SE for five lithium blocks.", {699, 32}),
        ("The Minister held talks with the President of Chile.", {699, 152}),
        (
            "The Foreign Ministers of Australia, India, Japan and the United States met.",
            {699, 36, 392, 842},
        ),
        ("Lithium demand is rising in Chile and Argentina.", {699}),
    ],
)
def test_a_foreign_actor_needs_a_role_cue_in_its_own_sentence(vocab, body, countries):
    assert _countries(vocab, body) == countries


# --------------------------------------------------------------------------- background


@pytest.mark.parametrize(
    "sentence",
    [
        "Argentina, together with Bolivia and Chile, forms the 'Lithium Triangle'.",
        "Chile holds about 9.3 million tonnes of lithium reserves, the largest in the world.",
        "India has already acquired exploration rights over 15,703 hectares in Argentina.",
        "In the five tranches held so far, 55 blocks were put up for auction.",
        "In the first five tranches, 55 mineral blocks were put up for auction.",
        "Peru, like Chile, is one of the world's leading producers of copper.",
        "लिथियम के भंडार मुख्य रूप से ऑस्ट्रेलिया, चिली और अर्जेंटीना में हैं।",
    ],
)
def test_background_sentences_make_no_actors_and_no_amounts(vocab, sentence):
    assert _countries(vocab, sentence) == {699}
    assert _amounts(vocab, sentence) == set()


def test_a_background_section_makes_no_amounts_but_the_instrument_figures_count(vocab):
    body = (
        "The Cabinet approved the mission with an expenditure of ₹16,300 crore.\n"
        "Background:\n"
        "KABIL has acquired exploration rights over 15,703 hectares in Argentina.\n"
        "Impact:\n"
        "The scheme will develop 6,000 MTPA of magnet capacity."
    )
    assert _amounts(vocab, body) == {
        (16300, "INR crore", "outlay"),
        (6000, "tonnes per year", "capacity"),
    }


def test_the_instrument_figures_count_in_the_past_tense(vocab):
    # the commitment to the partnership under review and the reviewed project's area
    text = (
        "Australia had committed A$5.8 million to the three-year partnership in July 2022. "
        "KABIL signed an agreement with CAMYEN SE on 15 January 2024 covering an area of about "
        "15,703 hectares."
    )
    assert _amounts(vocab, text) == {
        (5.8, "AUD million", "commitment"),
        (15703, "hectares", "area"),
    }


# --------------------------------------------------------------------------- amount kinds and units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "the two sides made an initial commitment of US$6 million",
            (6, "USD million", "commitment"),
        ),
        ("Australia pledged A$5.8 Million over three years", (5.8, "AUD million", "commitment")),
        ("the plant was built at a cost of ₹197 crore", (197, "INR crore", "project_cost")),
        ("the estimated project cost is about ₹200 crore", (200, "INR crore", "project_cost")),
        ("a tender document fee of ₹3 lakh plus GST", (0.03, "INR crore", "fee")),
        ("the Trust has a corpus of ₹2,500 crore", (2500, "INR crore", "pool")),
        ("a capacity of 3,000 kg per annum of magnets", (3, "tonnes per year", "capacity")),
        (
            "a recycling capacity of at least 270 kt per annum",
            (270000, "tonnes per year", "capacity"),
        ),
        ("a capacity of 2.7 lakh tonnes per annum", (270000, "tonnes per year", "capacity")),
        (
            "the recovery of about 40 kt of critical minerals per annum",
            (40000, "tonnes per year", "output"),
        ),
        ("₹197 करोड़ की लागत से बना संयंत्र", (197, "INR crore", "project_cost")),
        (
            "ऑस्ट्रेलिया ने 58 लाख ऑस्ट्रेलियाई डॉलर की प्रतिबद्धता जताई है",
            (5.8, "AUD million", "commitment"),
        ),
        ("इस संयंत्र की क्षमता प्रति वर्ष 3,000 किलोग्राम है", (3, "tonnes per year", "capacity")),
        ("270 किलो टन प्रति वर्ष पुनर्चक्रण क्षमता", (270000, "tonnes per year", "capacity")),
        ("लगभग ₹8,000 करोड़ का निवेश आने की उम्मीद है", (8000, "INR crore", "investment")),
        ("प्रति ब्लॉक अधिकतम ₹२० करोड़ तक", (20, "INR crore", "cap")),
        ("इस किश्त में २१ ब्लॉक पेश किए गए हैं", (21, "blocks", "block_count")),
    ],
)
def test_amount_kinds_and_units(vocab, text, expected):
    assert _amounts(vocab, text) == {expected}


def test_a_range_keeps_its_kind(vocab):
    text = "accruals to the Trust will rise from about ₹1,000 crore to about ₹2,500 crore"
    assert _amounts(vocab, text) == {(1000, "INR crore", "pool"), (2500, "INR crore", "pool")}


def test_commitment_is_not_outlay_but_outlay_stays_outlay(vocab):
    assert _amounts(vocab, "an outlay of ₹1,500 crore") == {(1500, "INR crore", "outlay")}


# --------------------------------------------------------------------------- instrument precedence


@pytest.mark.parametrize(
    ("title", "event_type"),
    [
        # a company's name does not decide the instrument
        (
            "KABIL Signs MoU with Australia's Critical Minerals Facilitation Office on Lithium",
            "mou_agreement",
        ),
        # 'exploration projects' is not an overseas acquisition
        (
            "GSI to Take Up 1,200 Critical Mineral Exploration Projects under National Critical "
            "Mineral Mission",
            "mission",
        ),
        # परियोजना ('project') contains योजना ('scheme') but is not a scheme
        ("राष्ट्रीय महत्वपूर्ण खनिज मिशन के तहत 1,200 अन्वेषण परियोजनाएं", "mission"),
        ("₹1,500 करोड़ की प्रोत्साहन योजना से महत्वपूर्ण खनिज पुनर्चक्रण", "scheme"),
        (
            "KABIL Signs Agreement for Exploration and Development of Lithium Blocks in Argentina",
            "jv_investment_acquisition",
        ),
        (
            "Union Budget: Customs Duty Exempted on 25 Critical Minerals; Critical Mineral Mission "
            "to be Set Up",
            "tariff_change",
        ),
        ("Ministry of Mines Concludes Fifth Tranche of Critical Mineral Auction", "auction_result"),
        (
            "India and Chile Agree to Begin Negotiations on a Comprehensive Economic Partnership "
            "Agreement on Critical Minerals",
            "trade_negotiation",
        ),
    ],
)
def test_instrument_precedence(vocab, title, event_type):
    t = _tag(vocab, title, "Lithium and cobalt are critical minerals.")
    assert t.is_relevant and t.event_type == event_type


# --------------------------------------------------------------------------- Hindi


def test_hindi_release_countries_units_and_type(vocab):
    t = _tag(
        vocab,
        "भारत-ऑस्ट्रेलिया महत्वपूर्ण खनिज निवेश साझेदारी के तहत पांच लक्षित परियोजनाओं की पहचान",
        "भारत और ऑस्ट्रेलिया ने लिथियम और कोबाल्ट की पांच परियोजनाओं की पहचान की है। "
        "ऑस्ट्रेलिया ने इस साझेदारी के लिए 58 लाख ऑस्ट्रेलियाई डॉलर की प्रतिबद्धता जताई है।",
        ministry="खान मंत्रालय",
        language="hi",
    )
    assert t.is_relevant and t.event_type == "mou_agreement"
    assert t.countries == [36, 699]
    assert t.mineral_ids == ["cobalt", "lithium"]
    assert [(a.value, a.unit, a.kind) for a in t.amounts] == [(5.8, "AUD million", "commitment")]


def test_devanagari_digits_become_ascii():
    assert normalise("२१ ब्लॉक, ₹१,५०० करोड़") == "21 ब्लॉक, ₹1,500 करोड़"


def test_issuing_ministry_is_an_indian_implementer_even_when_unknown(vocab):
    rel = {"title": "x", "body_text": ""}
    got = find_actors(rel, vocab, "प्रधानमंत्री कार्यालय")
    assert [(a.area_code, a.role) for a in got] == [(699, "implementer")]
    got = find_actors(rel, vocab, "Ministry of Jal Shakti")
    assert [(a.name, a.area_code, a.role) for a in got] == [
        ("Ministry of Jal Shakti", 699, "implementer")
    ]


# --------------------------------------------------------------------------- the EU


def test_the_eu_is_a_group_not_a_country(vocab):
    assert _countries(vocab, "India signed a joint statement with the European Union.") == {699}
    msp = _tag(
        vocab,
        "India Becomes a Partner of the Minerals Security Partnership",
        "The MSP brings together Australia, Canada and the European Union.",
    )
    assert 97 not in msp.countries and {36, 124, 842, 699} <= set(msp.countries)
