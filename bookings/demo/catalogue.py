"""The demo spa, "Lumen Med Spa", as plain data: what `manage.py seed_demo` creates.

Nothing here touches the database; bookings/demo/seed.py reads these structures.
Dates are relative to the day the seed runs ("expires in 20 days"), so the demo
always shows the admin's expiry warnings. Weekly hours are in the spa's local time.
"""

from dataclasses import dataclass, field
from decimal import Decimal

# Role codes from treatments/migrations/0002_standard_roles.py.
ESTHETICIAN = "esthetician"
REGISTERED_NURSE = "registered-nurse"
NURSE_PRACTITIONER = "nurse-practitioner"
PHYSICIAN_ASSISTANT = "physician-assistant"
PHYSICIAN = "physician"

# Who may inject or fire a laser (California's rule: never an esthetician).
CLINICAL_ROLES = (REGISTERED_NURSE, NURSE_PRACTITIONER, PHYSICIAN_ASSISTANT, PHYSICIAN)

DAY_SPA = "day_spa"
MEDICAL = "medical"
ABSOLUTE = "absolute"
RELATIVE = "relative"


@dataclass(frozen=True)
class CategorySpec:
    slug: str
    name: str
    description: str
    # (light background, deep background, accent) for the generated treatment images.
    palette: tuple[str, str, str]


@dataclass(frozen=True)
class ContraindicationSpec:
    code: str
    name: str
    question: str
    guidance: str


@dataclass(frozen=True)
class TreatmentSpec:
    slug: str
    name: str
    category: str
    kind: str
    summary: str
    description: str
    what_to_expect: str
    duration_minutes: int
    buffer_minutes: int
    price: Decimal
    image_alt: str
    # Shapes drawn on the generated image (see bookings/demo/pictures.py MOTIFS).
    motifs: tuple[str, ...]
    minimum_age: int = 16
    # Medical treatments only.
    allowed_roles: tuple[str, ...] = ()
    requires_gfe: bool = False
    consent_text: str = ""
    # What the treatment record holds: "general", "injectable" or "energy_device".
    charting: str = "general"
    # (contraindication code, ABSOLUTE or RELATIVE)
    contraindications: tuple[tuple[str, str], ...] = ()

    @property
    def is_medical(self) -> bool:
        return self.kind == MEDICAL


@dataclass(frozen=True)
class TimeOffSpec:
    starts_in_days: int
    start: str  # "HH:MM", local time
    ends_in_days: int
    end: str
    reason: str


@dataclass(frozen=True)
class PractitionerSpec:
    slug: str
    display_name: str
    role: str
    licence_number: str
    licence_expires_in_days: int
    bio: str
    # Slugs of TREATMENTS; must be allowed for `role` (the seed checks).
    treatments: tuple[str, ...]
    # Weekday name -> "HH:MM-HH:MM" blocks separated by spaces (split shifts).
    hours: dict[str, str]
    # (light, deep) colours of the generated avatar.
    avatar_palette: tuple[str, str]
    username: str
    first_name: str
    last_name: str
    time_off: tuple[TimeOffSpec, ...] = ()


@dataclass(frozen=True)
class AgreementSpec:
    practitioner: str
    physician: str
    started_days_ago: int
    ends_in_days: int
    chart_review_percent: int
    # An agreement the physician has not accepted yet supervises nothing: it shows the
    # "waiting for the doctor" state in the admin and the doctor portal.
    accepted_days_before_start: int | None = 7
    notes: str = ""


@dataclass(frozen=True)
class StaffUserSpec:
    """A demo login that is not a practitioner's own (admin, front desk)."""

    username: str
    first_name: str
    last_name: str
    group: str | None
    is_staff: bool
    is_superuser: bool = False


@dataclass(frozen=True)
class GroupSpec:
    name: str
    # (app label, model name, actions): actions among "view", "add", "change", "delete".
    # Models that are not installed yet (the booking models) are skipped.
    permissions: tuple[tuple[str, str, tuple[str, ...]], ...] = field(default_factory=tuple)


CATEGORIES: tuple[CategorySpec, ...] = (
    CategorySpec(
        slug="facials",
        name="Facials",
        description="Unhurried facials for every skin type, built around what your skin "
        "needs today.",
        palette=("#fbeee9", "#e7b3a6", "#c47766"),
    ),
    CategorySpec(
        slug="body-treatments",
        name="Body treatments",
        description="Scrubs and wraps with sea salt, seaweed and warm oils.",
        palette=("#f4efe6", "#9ec9c6", "#4f8f8c"),
    ),
    CategorySpec(
        slug="massage",
        name="Massage",
        description="Relaxation and therapeutic massage by licensed therapists.",
        palette=("#f3ebe2", "#c7ad95", "#7d6450"),
    ),
    CategorySpec(
        slug="peels",
        name="Peels and resurfacing",
        description="From a gentle lunchtime glow to a clinical medium-depth peel.",
        palette=("#fff3e2", "#f1b77e", "#d9803f"),
    ),
    CategorySpec(
        slug="injectables",
        name="Injectables",
        description="Wrinkle relaxers and hyaluronic-acid fillers by our nurse injectors "
        "and physicians.",
        palette=("#efeaf7", "#b3a6d8", "#7462ad"),
    ),
    CategorySpec(
        slug="laser-and-light",
        name="Laser and light",
        description="Laser hair removal and intense pulsed light for sun damage and redness.",
        palette=("#e6f3f9", "#86b8d6", "#3f7fab"),
    ),
    CategorySpec(
        slug="clinical-skin",
        name="Clinical skin care",
        description="Medical treatments for acne and scarring, planned with a clinician.",
        palette=("#eaf3ea", "#a3c6ab", "#4f8a62"),
    ),
)

CONTRAINDICATIONS: tuple[ContraindicationSpec, ...] = (
    ContraindicationSpec(
        code="pregnant-or-breastfeeding",
        name="Pregnancy or breastfeeding",
        question="Are you pregnant, trying to conceive or breastfeeding?",
        guidance="Injectables, lasers and most medical peels have not been studied in "
        "pregnancy; we postpone them until after breastfeeding.",
    ),
    ContraindicationSpec(
        code="isotretinoin-last-6-months",
        name="Isotretinoin in the last 6 months",
        question="Have you taken isotretinoin (Accutane, Absorica, Claravis) in the last 6 months?",
        guidance="Skin heals abnormally for months after isotretinoin: risk of scarring "
        "after peels, lasers and microneedling.",
    ),
    ContraindicationSpec(
        code="blood-thinners",
        name="Blood thinners",
        question="Do you take blood thinners (such as warfarin, apixaban or clopidogrel), "
        "daily aspirin or fish oil?",
        guidance="More bruising after injections and needling. Never stop a prescribed "
        "anticoagulant for a cosmetic treatment; plan around it.",
    ),
    ContraindicationSpec(
        code="recent-tanning",
        name="Recent tan or sun exposure",
        question="Have you had a tan, a sunburn, self-tanner or a spray tan in the last 4 weeks?",
        guidance="Tanned skin absorbs laser and IPL energy: risk of burns and "
        "pigment changes. Usually means waiting a few weeks.",
    ),
    ContraindicationSpec(
        code="keloid-scarring",
        name="Keloid or raised scarring",
        question="Have you ever formed keloids or raised, thickened scars?",
        guidance="Any controlled injury to the skin (peel, needling, laser) may trigger a "
        "keloid; test patch or a gentler plan.",
    ),
    ContraindicationSpec(
        code="cold-sores",
        name="Cold sores",
        question="Do you get cold sores (oral herpes), or have one now?",
        guidance="Treatments around the mouth can reactivate the virus; an antiviral "
        "prescription beforehand is common, an active sore means postponing.",
    ),
    ContraindicationSpec(
        code="active-skin-infection",
        name="Active skin infection or open wound",
        question="Do you have an infection, open wound or rash where you want to be treated?",
        guidance="We do not inject or resurface through broken or infected skin.",
    ),
    ContraindicationSpec(
        code="neuromuscular-disorder",
        name="Neuromuscular disorder",
        question="Do you have a neuromuscular condition such as myasthenia gravis, "
        "Lambert-Eaton syndrome or ALS?",
        guidance="Botulinum toxin can worsen muscle weakness in these conditions.",
    ),
    ContraindicationSpec(
        code="filler-or-lidocaine-allergy",
        name="Allergy to fillers or lidocaine",
        question="Have you ever reacted to a dermal filler, hyaluronic acid or lidocaine?",
        guidance="Most hyaluronic-acid fillers contain lidocaine; a past reaction rules them out.",
    ),
    ContraindicationSpec(
        code="photosensitising-medication",
        name="Light-sensitising medication",
        question="Do you take medicine that makes your skin sensitive to light (such as "
        "doxycycline, retinoids or St John's wort)?",
        guidance="Raises the risk of burns and irritation with light, lasers and peels; "
        "the clinician may adjust settings or ask to pause a topical retinoid.",
    ),
)

_INJECTABLE_CONSENT = (
    "I understand that {product} is injected with a fine needle; that redness, swelling, "
    "bruising and tenderness are common for a few days; that rare risks include infection, "
    "asymmetry, lumps and, for fillers, blockage of a blood vessel; and that results are "
    "temporary. I have answered the health questions truthfully and agree to the treatment."
)
_LASER_CONSENT = (
    "I understand that {treatment} uses concentrated light that heats the skin; that "
    "redness and swelling are expected for a few hours; that rare risks include burns, "
    "blisters and lightening or darkening of the skin; that several sessions are needed; "
    "and that I must avoid sun and tanning before and after. I agree to the treatment."
)

TREATMENTS: tuple[TreatmentSpec, ...] = (
    # Day spa.
    TreatmentSpec(
        slug="signature-hydrating-facial",
        name="Signature hydrating facial",
        category="facials",
        kind=DAY_SPA,
        summary="Our most-booked hour: deep cleansing, gentle exfoliation and a "
        "hyaluronic mask for skin that looks rested.",
        description="Your esthetician looks at your skin under a magnifying lamp, then "
        "double-cleanses, exfoliates with a mild enzyme, clears congestion and layers "
        "hyaluronic serum under a cooling mask. The hour ends with a facial, neck and "
        "shoulder massage and a moisturiser with mineral SPF.",
        what_to_expect="Arrive with clean skin if you can. No downtime: you may look a "
        "little flushed for an hour. Make-up is fine the same day.",
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("125.00"),
        image_alt="A sprig of rose-coloured leaves on a soft blush background",
        motifs=("leaves",),
    ),
    TreatmentSpec(
        slug="calming-facial-sensitive-skin",
        name="Calming facial for sensitive skin",
        category="facials",
        kind=DAY_SPA,
        summary="Fragrance-free products, cool compresses and oat and centella to settle "
        "redness-prone skin.",
        description="Designed for rosacea-prone and reactive skin: no steam, no scrubs, no "
        "essential oils. We cleanse with a milk cleanser, apply a colloidal oat and centella "
        "mask under cool stones and finish with a barrier-repair cream.",
        what_to_expect="Tell us about any products that have irritated your skin before. "
        "Skin usually looks calmer straight away.",
        duration_minutes=50,
        buffer_minutes=15,
        price=Decimal("110.00"),
        image_alt="Pale chamomile flowers on a soft blush background",
        motifs=("flowers",),
    ),
    TreatmentSpec(
        slug="express-glow-facial",
        name="Express glow facial",
        category="facials",
        kind=DAY_SPA,
        summary="Thirty minutes to cleanse, exfoliate and brighten before an evening out.",
        description="A condensed version of our signature facial: cleanse, enzyme "
        "exfoliation, a vitamin C serum and a brightening sheet mask.",
        what_to_expect="No downtime; you can go straight back to work.",
        duration_minutes=30,
        buffer_minutes=10,
        price=Decimal("75.00"),
        image_alt="Water drops catching the light on a blush background",
        motifs=("drops",),
    ),
    TreatmentSpec(
        slug="sea-salt-glow",
        name="Sea salt glow",
        category="body-treatments",
        kind=DAY_SPA,
        summary="A full-body scrub of mineral sea salt and warm almond oil for smooth, soft skin.",
        description="Fine sea salt blended with almond and jojoba oils is worked over the "
        "whole body to lift dry skin. After a warm shower we finish with a light "
        "application of shea body butter.",
        what_to_expect="Avoid shaving or waxing for 24 hours before. Wear nothing or "
        "disposable underwear (we provide it); you stay draped throughout.",
        duration_minutes=45,
        buffer_minutes=20,
        price=Decimal("95.00"),
        image_alt="Layered sea-green waves under a pale sky",
        motifs=("waves",),
    ),
    TreatmentSpec(
        slug="detoxifying-seaweed-wrap",
        name="Detoxifying seaweed wrap",
        category="body-treatments",
        kind=DAY_SPA,
        summary="Mineral-rich seaweed, a warm cocoon and a scalp massage while it works.",
        description="After a light dry-brush exfoliation, a warm mask of Atlantic kelp and "
        "marine clay is applied and you are wrapped in warm blankets for twenty minutes "
        "while we massage your scalp. A shower and a hydrating lotion finish the ritual.",
        what_to_expect="Tell us about any iodine or shellfish allergy when you book. You "
        "may feel thirsty afterwards: drink water.",
        duration_minutes=75,
        buffer_minutes=20,
        price=Decimal("140.00"),
        image_alt="Sea-green waves with fronds of kelp",
        motifs=("waves", "leaves"),
    ),
    TreatmentSpec(
        slug="swedish-relaxation-massage",
        name="Swedish relaxation massage",
        category="massage",
        kind=DAY_SPA,
        summary="Long, flowing strokes with medium pressure to let your whole body unwind.",
        description="Classic full-body Swedish massage with unscented or lavender oil, at "
        "the pressure you choose. Ideal for a first visit.",
        what_to_expect="Arrive ten minutes early to settle in. Tell your therapist about "
        "injuries or areas to avoid.",
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("115.00"),
        image_alt="A stack of smooth balanced stones on a warm sand background",
        motifs=("stones",),
    ),
    TreatmentSpec(
        slug="hot-stone-massage",
        name="Hot stone massage",
        category="massage",
        kind=DAY_SPA,
        summary="Warm basalt stones melt tension in the back and shoulders.",
        description="Smooth basalt stones heated in water are placed along the spine and "
        "used as an extension of the therapist's hands, with deeper work where you need "
        "it.",
        what_to_expect="Not suitable in pregnancy, or with varicose veins or reduced "
        "sensation to heat; tell us when you book.",
        duration_minutes=90,
        buffer_minutes=20,
        price=Decimal("160.00"),
        image_alt="Warm stones stacked in front of ripples of light",
        motifs=("rings", "stones"),
    ),
    TreatmentSpec(
        slug="superficial-glow-peel",
        name="Superficial glow peel",
        category="peels",
        kind=DAY_SPA,
        summary="A gentle lactic and mandelic acid peel that brightens with no downtime.",
        description="A superficial peel within an esthetician's scope: a buffered blend of "
        "lactic and mandelic acids loosens dull surface cells for brighter, smoother "
        "skin. Good for dullness and uneven texture, and as a first peel.",
        what_to_expect="Stop retinoids and exfoliating acids three days before. A mild "
        "tingle during the peel; faint flaking for a day or two is possible. Wear SPF 30 "
        "or more every day afterwards.",
        duration_minutes=30,
        buffer_minutes=10,
        price=Decimal("95.00"),
        image_alt="Slices of citrus on a warm apricot background",
        motifs=("citrus",),
    ),
    # Medical.
    TreatmentSpec(
        slug="botox-wrinkle-relaxer",
        charting="injectable",
        name="Botox wrinkle relaxer",
        category="injectables",
        kind=MEDICAL,
        summary="Softens frown lines, forehead lines and crow's feet; results in 7 to 14 "
        "days, lasting about three months.",
        description="Botulinum toxin type A (Botox Cosmetic) relaxes the muscles that fold "
        "the skin into expression lines. Price covers up to three areas (frown lines, "
        "forehead, crow's feet) at a typical dose; your injector confirms the plan at the "
        "visit.",
        what_to_expect="A good-faith exam first if you have not had one with us this year. "
        "Avoid alcohol and blood-thinning supplements for a day before. Tiny bumps fade "
        "within an hour; stay upright and skip exercise for 4 hours.",
        duration_minutes=30,
        buffer_minutes=10,
        price=Decimal("420.00"),
        minimum_age=18,
        image_alt="Ripples of fine lavender rings on still water",
        motifs=("rings",),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text=_INJECTABLE_CONSENT.format(product="Botox Cosmetic (botulinum toxin)"),
        contraindications=(
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("neuromuscular-disorder", ABSOLUTE),
            ("active-skin-infection", ABSOLUTE),
            ("blood-thinners", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="restylane-lip-filler",
        charting="injectable",
        name="Restylane lip filler",
        category="injectables",
        kind=MEDICAL,
        summary="Natural-looking lip volume and definition with one syringe of Restylane Kysse.",
        description="A hyaluronic-acid filler with lidocaine, placed to restore volume, "
        "define the border and smooth lip lines. Results are immediate and last 6 to 12 "
        "months; hyaluronic acid can be dissolved if needed.",
        what_to_expect="Expect swelling for 2 to 3 days, most the morning after. Book at "
        "least two weeks before an event. If you get cold sores, tell us: we may ask your "
        "doctor for an antiviral first.",
        duration_minutes=45,
        buffer_minutes=15,
        price=Decimal("650.00"),
        minimum_age=21,
        image_alt="Lavender water drops falling on a soft violet background",
        motifs=("drops",),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text=_INJECTABLE_CONSENT.format(product="Restylane (hyaluronic acid filler)"),
        contraindications=(
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("filler-or-lidocaine-allergy", ABSOLUTE),
            ("active-skin-infection", ABSOLUTE),
            ("blood-thinners", RELATIVE),
            ("cold-sores", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="juvederm-cheek-filler",
        charting="injectable",
        name="Juvederm cheek filler",
        category="injectables",
        kind=MEDICAL,
        summary="Lifts and contours the cheeks with Juvederm Voluma; results last up to two years.",
        description="A firm hyaluronic-acid filler placed deep over the cheekbone to "
        "restore volume lost with age, which also softens the look of the under-eye "
        "hollow and the folds beside the nose. Price per syringe; most people need one "
        "or two.",
        what_to_expect="Some tenderness when chewing and mild swelling for a few days. "
        "Avoid facials, massage and dental work for two weeks.",
        duration_minutes=45,
        buffer_minutes=15,
        price=Decimal("750.00"),
        minimum_age=21,
        image_alt="Translucent violet spheres on a lavender background",
        motifs=("bubbles",),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text=_INJECTABLE_CONSENT.format(product="Juvederm Voluma (hyaluronic acid filler)"),
        contraindications=(
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("filler-or-lidocaine-allergy", ABSOLUTE),
            ("active-skin-infection", ABSOLUTE),
            ("blood-thinners", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="medium-chemical-peel",
        name="Medium-depth chemical peel",
        category="peels",
        kind=MEDICAL,
        summary="A TCA peel for sun damage, fine lines and uneven pigment, with about a "
        "week of peeling.",
        description="A medium-depth peel with trichloroacetic acid, applied in layers by a "
        "nurse or clinician to reach below the surface. It treats sun damage, pigment and "
        "fine lines that a superficial peel cannot reach. One peel often replaces a "
        "series of lighter ones.",
        what_to_expect="Prepare your skin for two weeks with the products we prescribe. "
        "The skin tightens, darkens and peels for 5 to 7 days: plan a quiet week and "
        "strict sun protection.",
        duration_minutes=45,
        buffer_minutes=15,
        price=Decimal("350.00"),
        minimum_age=18,
        image_alt="Citrus slices in beams of warm light on an apricot background",
        motifs=("rays", "citrus"),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text="I understand that a medium-depth peel causes redness, swelling and "
        "peeling for about a week; that rare risks include infection, cold-sore outbreak, "
        "scarring and lasting changes in skin colour; and that I must protect my skin from "
        "the sun. I agree to the treatment.",
        contraindications=(
            ("isotretinoin-last-6-months", ABSOLUTE),
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("active-skin-infection", ABSOLUTE),
            ("keloid-scarring", RELATIVE),
            ("cold-sores", RELATIVE),
            ("recent-tanning", RELATIVE),
            ("photosensitising-medication", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="laser-hair-removal",
        charting="energy_device",
        name="Laser hair removal",
        category="laser-and-light",
        kind=MEDICAL,
        summary="Lasting hair reduction for the underarms, bikini line or upper lip; "
        "sessions every 4 to 6 weeks.",
        description="A diode laser heats the hair follicle and slows regrowth. Most "
        "people see a lasting 70 to 90 per cent reduction after six to eight sessions. "
        "Price is per session for one small area.",
        what_to_expect="Shave the area the day before; no waxing, plucking or tanning for "
        "four weeks before. Feels like a rubber band snapping; redness settles within a "
        "few hours.",
        duration_minutes=30,
        buffer_minutes=10,
        price=Decimal("150.00"),
        minimum_age=18,
        image_alt="Soft beams of blue light with small sparkles",
        motifs=("rays",),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text=_LASER_CONSENT.format(treatment="laser hair removal"),
        contraindications=(
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("isotretinoin-last-6-months", ABSOLUTE),
            ("recent-tanning", RELATIVE),
            ("photosensitising-medication", RELATIVE),
            ("keloid-scarring", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="ipl-photofacial",
        charting="energy_device",
        name="IPL photofacial",
        category="laser-and-light",
        kind=MEDICAL,
        summary="Intense pulsed light fades sun spots, redness and broken capillaries.",
        description="Broad-spectrum pulsed light is absorbed by brown pigment and small "
        "red vessels, which then fade over one to two weeks. A course of three sessions a "
        "month apart gives the best result for sun damage and rosacea redness.",
        what_to_expect="Sun spots darken and flake off like coffee grounds within a week. "
        "No tanning for four weeks before or after.",
        duration_minutes=45,
        buffer_minutes=15,
        price=Decimal("375.00"),
        minimum_age=18,
        image_alt="Fans of pale blue light and sparkles",
        motifs=("rays", "drops"),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text=_LASER_CONSENT.format(treatment="IPL (intense pulsed light)"),
        contraindications=(
            ("pregnant-or-breastfeeding", ABSOLUTE),
            ("isotretinoin-last-6-months", ABSOLUTE),
            ("recent-tanning", ABSOLUTE),
            ("photosensitising-medication", ABSOLUTE),
            ("cold-sores", RELATIVE),
            ("keloid-scarring", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="clinical-acne-treatment",
        name="Clinical acne treatment",
        category="clinical-skin",
        kind=MEDICAL,
        summary="Salicylic peel, careful extractions and blue light to calm active "
        "breakouts, under our medical protocol.",
        description="Follows a physician-approved protocol: a salicylic acid peel to clear "
        "pores, gentle extractions, and blue LED light that targets acne bacteria. We set "
        "up a home routine with you and review progress every two to four weeks.",
        what_to_expect="Some redness and a few surfacing spots in the first days are "
        "normal. Tell us about any prescription acne medicine you use.",
        duration_minutes=45,
        buffer_minutes=10,
        price=Decimal("175.00"),
        minimum_age=18,
        image_alt="A sprig of sage-green leaves on a pale green background",
        motifs=("leaves",),
        # Blue light and salicylic peels are within an esthetician's scope under protocol.
        allowed_roles=(ESTHETICIAN, *CLINICAL_ROLES),
        requires_gfe=False,
        consent_text="I understand that this treatment uses a salicylic acid peel, "
        "extractions and blue light; that redness, dryness and temporary breakouts are "
        "possible; and that I have told the spa about my acne medicines. I agree to the "
        "treatment.",
        contraindications=(
            ("isotretinoin-last-6-months", ABSOLUTE),
            ("pregnant-or-breastfeeding", RELATIVE),
            ("photosensitising-medication", RELATIVE),
        ),
    ),
    TreatmentSpec(
        slug="acne-scar-microneedling",
        name="Acne scar microneedling",
        category="clinical-skin",
        kind=MEDICAL,
        summary="Collagen induction with medical microneedling to soften rolling and "
        "boxcar acne scars.",
        description="A medical-grade microneedling pen makes thousands of controlled "
        "micro-channels under numbing cream, prompting the skin to rebuild collagen. "
        "Three to six sessions a month apart improve texture and scar depth.",
        what_to_expect="Numbing cream for 30 minutes first. Skin looks sunburnt for one "
        "to three days; no make-up for 24 hours.",
        duration_minutes=60,
        buffer_minutes=15,
        price=Decimal("400.00"),
        minimum_age=18,
        image_alt="Small translucent green spheres on a pale green background",
        motifs=("bubbles",),
        allowed_roles=CLINICAL_ROLES,
        requires_gfe=True,
        consent_text="I understand that microneedling causes pinpoint bleeding, redness "
        "and swelling for a few days; that rare risks include infection, a cold-sore "
        "outbreak, pigment change and scarring; and that several sessions are needed. I "
        "agree to the treatment.",
        contraindications=(
            ("isotretinoin-last-6-months", ABSOLUTE),
            ("keloid-scarring", ABSOLUTE),
            ("active-skin-infection", ABSOLUTE),
            ("pregnant-or-breastfeeding", RELATIVE),
            ("blood-thinners", RELATIVE),
            ("cold-sores", RELATIVE),
        ),
    ),
)

_DAY_SPA_FACE = (
    "signature-hydrating-facial",
    "calming-facial-sensitive-skin",
    "express-glow-facial",
    "superficial-glow-peel",
)
_BODY_AND_MASSAGE = (
    "sea-salt-glow",
    "detoxifying-seaweed-wrap",
    "swedish-relaxation-massage",
    "hot-stone-massage",
)
_INJECTABLES = ("botox-wrinkle-relaxer", "restylane-lip-filler", "juvederm-cheek-filler")
_LASERS = ("laser-hair-removal", "ipl-photofacial")

# The physicians must be created first: agreements refer to them.
PRACTITIONERS: tuple[PractitionerSpec, ...] = (
    PractitionerSpec(
        slug="dr-amara-okafor",
        display_name="Dr. Amara Okafor, MD",
        role=PHYSICIAN,
        licence_number="MD-0478213",
        licence_expires_in_days=540,
        bio="Board-certified dermatologist and Lumen's medical director. Amara trained at "
        "Johns Hopkins and has fifteen years of experience in cosmetic and laser "
        "dermatology. She writes the spa's treatment protocols and supervises our "
        "esthetician and nurses.",
        treatments=(*_INJECTABLES, *_LASERS, "medium-chemical-peel", "acne-scar-microneedling"),
        hours={
            "Tue": "13:00-18:00",
            "Thu": "13:00-20:00",
            "Sat": "09:00-13:00",
        },
        avatar_palette=("#cfe3d6", "#2f6b55"),
        username="doctor",
        first_name="Amara",
        last_name="Okafor",
    ),
    PractitionerSpec(
        slug="dr-daniel-whitfield",
        display_name="Dr. Daniel Whitfield, MD",
        role=PHYSICIAN,
        licence_number="MD-0512964",
        licence_expires_in_days=410,
        bio="Board-certified plastic surgeon with a special interest in facial anatomy and "
        "non-surgical rejuvenation. Daniel supervises our nurse practitioner and "
        "physician assistant and sees clients for fillers and scar treatment.",
        treatments=(*_INJECTABLES, "acne-scar-microneedling"),
        hours={
            "Mon": "09:00-13:00",
            "Wed": "09:00-13:00 14:00-17:00",
            "Fri": "13:00-18:00",
        },
        avatar_palette=("#d6dcef", "#34437a"),
        username="doctor2",
        first_name="Daniel",
        last_name="Whitfield",
    ),
    PractitionerSpec(
        slug="maya-chen",
        display_name="Maya Chen",
        role=ESTHETICIAN,
        licence_number="LE-2290417",
        licence_expires_in_days=300,
        bio="Licensed esthetician and massage therapist. Maya leads our day spa: "
        "facials for sensitive skin, body rituals and a famously calming hot stone "
        "massage.",
        treatments=(*_DAY_SPA_FACE, *_BODY_AND_MASSAGE),
        hours={
            "Mon": "09:00-17:00",
            "Tue": "09:00-17:00",
            "Wed": "12:00-20:00",
            "Thu": "09:00-13:00 14:00-18:00",
            "Fri": "09:00-17:00",
            "Sat": "09:00-15:00",
        },
        avatar_palette=("#f6d9d2", "#b5614f"),
        username="maya",
        first_name="Maya",
        last_name="Chen",
        time_off=(
            TimeOffSpec(
                starts_in_days=21, start="00:00", ends_in_days=26, end="00:00", reason="Holiday"
            ),
        ),
    ),
    PractitionerSpec(
        slug="sofia-alvarez",
        display_name="Sofia Alvarez",
        role=ESTHETICIAN,
        licence_number="LE-2314588",
        licence_expires_in_days=190,
        bio="Medical esthetician with a focus on acne-prone and teenage skin. Sofia runs "
        "our clinical acne programme under Dr. Okafor's protocol and loves a good peel.",
        treatments=(*_DAY_SPA_FACE, "sea-salt-glow", "clinical-acne-treatment"),
        hours={
            "Mon": "12:00-20:00",
            "Tue": "09:00-13:00 14:00-18:00",
            "Wed": "09:00-17:00",
            "Thu": "12:00-20:00",
            "Fri": "09:00-13:00 14:00-18:00",
            "Sat": "10:00-16:00",
        },
        avatar_palette=("#fbe3c4", "#c2712f"),
        username="sofia",
        first_name="Sofia",
        last_name="Alvarez",
    ),
    PractitionerSpec(
        slug="jordan-brooks",
        display_name="Jordan Brooks, RN",
        role=REGISTERED_NURSE,
        # Renewal due soon: shows the admin's licence expiry warning.
        licence_expires_in_days=20,
        licence_number="RN-9034471",
        bio="Registered nurse and certified aesthetic injector with eight years in "
        "dermatology clinics. Jordan is known for subtle Botox and careful lip work.",
        treatments=(*_INJECTABLES, "medium-chemical-peel", "signature-hydrating-facial"),
        hours={
            "Mon": "09:00-17:00",
            "Tue": "12:00-20:00",
            "Wed": "09:00-17:00",
            "Thu": "09:00-13:00 14:00-18:00",
            "Fri": "09:00-17:00",
            "Sat": "09:00-14:00",
        },
        avatar_palette=("#d3ece9", "#2f7d76"),
        username="jordan",
        first_name="Jordan",
        last_name="Brooks",
        time_off=(
            TimeOffSpec(
                starts_in_days=9,
                start="09:00",
                ends_in_days=9,
                end="18:00",
                reason="Training: advanced injection anatomy course",
            ),
        ),
    ),
    PractitionerSpec(
        slug="priya-raman",
        display_name="Priya Raman, RN",
        role=REGISTERED_NURSE,
        licence_number="RN-9127730",
        licence_expires_in_days=420,
        bio="Registered nurse and certified laser specialist. Priya runs our laser hair "
        "removal and IPL programme and treats all skin types.",
        treatments=(*_LASERS, "clinical-acne-treatment", "acne-scar-microneedling"),
        hours={
            "Mon": "09:00-13:00 14:00-18:00",
            "Tue": "09:00-17:00",
            "Wed": "12:00-20:00",
            "Thu": "09:00-17:00",
            "Fri": "12:00-20:00",
            "Sat": "09:00-14:00",
        },
        avatar_palette=("#dbeef6", "#2f6f9a"),
        username="priya",
        first_name="Priya",
        last_name="Raman",
    ),
    PractitionerSpec(
        slug="elena-petrova",
        display_name="Elena Petrova, NP",
        role=NURSE_PRACTITIONER,
        licence_number="APRN-5520938",
        licence_expires_in_days=640,
        bio="Board-certified family nurse practitioner and aesthetic injector. Elena "
        "performs good-faith exams, plans combination treatments and specialises in "
        "cheek and lip fillers.",
        treatments=(*_INJECTABLES, "medium-chemical-peel", "acne-scar-microneedling"),
        hours={
            "Mon": "12:00-20:00",
            "Tue": "09:00-17:00",
            "Wed": "09:00-13:00 14:00-18:00",
            "Thu": "09:00-17:00",
            "Fri": "09:00-17:00",
            "Sat": "10:00-15:00",
        },
        avatar_palette=("#e6dff3", "#6a4f9e"),
        username="elena",
        first_name="Elena",
        last_name="Petrova",
    ),
    PractitionerSpec(
        slug="marcus-bell",
        display_name="Marcus Bell, PA-C",
        role=PHYSICIAN_ASSISTANT,
        licence_number="PA-3308152",
        licence_expires_in_days=500,
        bio="Certified physician assistant with a background in dermatologic surgery. "
        "Marcus performs good-faith exams and treats with lasers, IPL and injectables.",
        treatments=(*_LASERS, *_INJECTABLES, "acne-scar-microneedling"),
        hours={
            "Mon": "09:00-17:00",
            "Tue": "09:00-13:00 14:00-18:00",
            "Wed": "09:00-17:00",
            "Thu": "12:00-20:00",
            "Fri": "09:00-17:00",
            "Sat": "09:00-13:00",
        },
        avatar_palette=("#dfe9d4", "#56773a"),
        username="marcus",
        first_name="Marcus",
        last_name="Bell",
        time_off=(
            TimeOffSpec(
                starts_in_days=5,
                start="13:00",
                ends_in_days=5,
                end="17:00",
                reason="Dentist appointment",
            ),
        ),
    ),
)

# Each non-physician practitioner qualified for a medical treatment is supervised by
# one of the two physicians: doctor (Okafor) or doctor2 (Whitfield).
AGREEMENTS: tuple[AgreementSpec, ...] = (
    AgreementSpec(
        practitioner="sofia-alvarez",
        physician="dr-amara-okafor",
        started_days_ago=180,
        ends_in_days=185,
        chart_review_percent=100,
        notes="Clinical acne protocol v2; all charts co-signed.",
    ),
    AgreementSpec(
        practitioner="jordan-brooks",
        physician="dr-amara-okafor",
        started_days_ago=170,
        ends_in_days=190,
        chart_review_percent=100,
        notes="Injectables and medium peels under standing orders; all charts co-signed.",
    ),
    # Expires soon (shows the warning) but is in force today...
    AgreementSpec(
        practitioner="priya-raman",
        physician="dr-amara-okafor",
        started_days_ago=340,
        ends_in_days=25,
        chart_review_percent=100,
        notes="Laser and IPL protocol; all charts co-signed.",
    ),
    # ...and its renewal waits for Dr. Okafor's acceptance.
    AgreementSpec(
        practitioner="priya-raman",
        physician="dr-amara-okafor",
        started_days_ago=-26,
        ends_in_days=390,
        chart_review_percent=50,
        accepted_days_before_start=None,
        notes="Renewal: chart review reduced to half after a year without incident.",
    ),
    AgreementSpec(
        practitioner="elena-petrova",
        physician="dr-daniel-whitfield",
        started_days_ago=200,
        ends_in_days=165,
        chart_review_percent=25,
        notes="Nurse practitioner: performs good-faith exams; a quarter of charts reviewed.",
    ),
    AgreementSpec(
        practitioner="marcus-bell",
        physician="dr-daniel-whitfield",
        started_days_ago=150,
        ends_in_days=215,
        chart_review_percent=25,
        notes="Physician assistant: lasers, injectables and microneedling.",
    ),
)

FRONT_DESK = "Front desk"
SUPERVISING_DOCTORS = "Supervising doctors"
PRACTITIONERS_GROUP = "Practitioners"

_VIEW = ("view",)
_RUN_THE_DAY = ("view", "add", "change")

GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec(
        name=FRONT_DESK,
        permissions=(
            # The front desk keeps the catalogue (DESIGN.md), but not who may do what.
            ("treatments", "category", _RUN_THE_DAY),
            ("treatments", "treatment", _RUN_THE_DAY),
            ("treatments", "contraindication", _VIEW),
            ("treatments", "treatmentcontraindication", _RUN_THE_DAY),
            ("treatments", "role", _VIEW),
            ("practitioners", "practitioner", _VIEW),
            ("practitioners", "supervisionagreement", _VIEW),
            ("practitioners", "workinghours", _RUN_THE_DAY),
            ("practitioners", "timeoff", _RUN_THE_DAY),
            # The booking models, once they exist. Intake answers are health data: the
            # front desk gets no permission on them here (DESIGN.md).
            ("bookings", "client", _RUN_THE_DAY),
            ("bookings", "appointment", _RUN_THE_DAY),
            # Who reviews what, and reassigning when a doctor is away.
            ("bookings", "review", ("view", "change")),
            ("bookings", "outboundemail", _VIEW),
        ),
    ),
    GroupSpec(
        name=SUPERVISING_DOCTORS,
        permissions=(
            ("treatments", "category", _VIEW),
            ("treatments", "treatment", _VIEW),
            ("treatments", "contraindication", _VIEW),
            ("treatments", "treatmentcontraindication", _VIEW),
            ("practitioners", "practitioner", _VIEW),
            ("practitioners", "supervisionagreement", _VIEW),
        ),
    ),
    GroupSpec(
        name=PRACTITIONERS_GROUP,
        permissions=(
            ("treatments", "category", _VIEW),
            ("treatments", "treatment", _VIEW),
            ("treatments", "contraindication", _VIEW),
            ("treatments", "treatmentcontraindication", _VIEW),
            # Model permissions cannot say "own"; the views filter to the user's records.
            ("practitioners", "practitioner", _VIEW),
            ("practitioners", "workinghours", _VIEW),
            ("practitioners", "timeoff", _VIEW),
            ("practitioners", "supervisionagreement", _VIEW),
        ),
    ),
)

# Practitioners' own logins come from PRACTITIONERS (physicians join SUPERVISING_DOCTORS,
# the others PRACTITIONERS_GROUP).
STAFF_USERS: tuple[StaffUserSpec, ...] = (
    StaffUserSpec(
        username="admin",
        first_name="Alex",
        last_name="Morgan",
        group=None,
        is_staff=True,
        is_superuser=True,
    ),
    StaffUserSpec(
        username="frontdesk",
        first_name="Taylor",
        last_name="Reed",
        group=FRONT_DESK,
        is_staff=True,
    ),
)

DEMO_EMAIL_DOMAIN = "lumen-medspa.example"
DEFAULT_PASSWORD = "medspa-demo"  # noqa: S105 (a documented demo password, CONTRACT.md)
DEFAULT_TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (documented demo secret)
TOTP_DEVICE_NAME = "Demo authenticator"
