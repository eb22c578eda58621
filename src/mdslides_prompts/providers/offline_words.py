"""The offline provider's word lists: stop words and alphabets of the prompt languages,
the phrases its prompts are made of, theme palettes and the words of closing slides.

Data only: :mod:`.offline` reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

__all__ = ["ALPHABETS", "PHRASES", "STOPWORDS", "Phrases"]

_STOP = {
    "en": """a an the and or but if then else of to in on at by for with without from into
        onto over under about as is are was were be been being it its this that these those
        there here we you they he she i me my our your their his her them us not no yes do
        does did done can could will would should may might must shall have has had having
        so such than too very just also more most less much many some any each every all
        both few other own same what which who whom whose when where why how use used using
        via per vs etc slide slides one two three first second next last still only well
        like out up down new old get got make made take see seen look looked even since
        roughly behind around between through before after while again ever never always
        often today now note notes thing things way ways need needs want lot lots really
        quite something anything nothing everything someone everyone matter matters keep
        let show shows gets makes takes goes give gives case cases part parts point points
        example examples following need able back based better best good great""",
    "fr": """le la les un une des du de et ou mais donc car ni que qui quoi dont où au aux
        ce cet cette ces est sont été être avoir ont pour par sur sous dans avec sans plus
        moins très pas ne se sa son ses leur leurs nous vous ils elles il elle on en y je
        tu me te mon ma mes ton ta tes notre nos votre vos lui comme aussi fait faire peut
        tout tous toute toutes bien encore déjà entre vers chez après avant quand comment
        pourquoi ici là c'est qu'il qu'on n'est d'un d'une l'on""",
    "de": """der die das den dem des ein eine einer eines einem einen und oder aber nicht
        ist sind war waren sein haben hat mit ohne für von vom zum zur auf aus bei nach
        über unter wie was wer wo als auch noch nur sehr mehr es sie er wir ihr ich weil
        ihn ihm ihre ihren sich uns euch man dass wenn dann doch schon im am ins um bis
        durch gegen wird werden wurde kann können muss diese dieser dieses jeden jede
        jeder so zu hier da""",
    "es": """el los las un una unos unas y o pero que es son con sin para por sobre como
        más muy del al lo le les se su sus en de la este esta estos estas ese esa hay
        fue ser está están también cuando donde porque entre hasta desde nos""",
    "it": """il lo gli le uno una e o ma che è sono con senza per come più molto della
        delle degli dei del nel nella nei sul sulla di da in a la un si non ci questo
        questa quello quella anche dove quando perché tra fra ha hanno essere""",
    "pt": """o os as um uma uns umas e ou mas que é são com sem para por sobre como mais
        muito do da dos das no na nos nas ao aos em de se não este esta isso""",
    "nl": """de het een en of maar dat die is zijn met zonder voor van op in uit bij naar
        over onder als ook nog niet wel er te aan door""",
    "pl": """i w na z do nie się że jest to jak o po za od dla przez ale lub czy są""",
    "ro": """și sau dar că este sunt cu fără pentru de la în pe din un o ale al cel mai""",
    "cs": """a v na se je s z do že to jak o po za od pro ale nebo jsou není""",
    "sv": """och eller men att är var med utan för av på i till från som det den en ett
        inte har om""",
}
STOPWORDS = MappingProxyType({code: frozenset(words.split()) for code, words in _STOP.items()})
"""Stop words of each prompt language (a few per language: enough to tell which language
a slide is written in, and to keep the words that say what it is about)."""

ALPHABETS = MappingProxyType(
    {
        "en": "",
        "fr": "àâäçéèêëîïôöùûüÿœæ",
        "de": "äöüß",
        "es": "áéíóúñü",
        "it": "àèéìíîòóùú",
        "pt": "ãõáâàçéêíóôúü",
        "nl": "áéíóúàèëïöü",
        "pl": "ąćęłńóśźż",
        "ro": "ăâîșşțţ",
        "cs": "áčďéěíňóřšťúůýž",
        "sv": "åäöé",
    }
)
"""Letters each language writes beyond a-z: a word with any other letter is not in it."""


@dataclass(frozen=True, slots=True)
class Phrases:
    """The words of a prompt in one language."""

    styles: tuple[str, ...]
    """Visual styles; one is chosen per deck."""
    compositions: tuple[str, ...]
    """Framings; one is chosen per slide."""
    lightings: tuple[str, ...]
    """Lightings; one is chosen per deck, for its art direction."""
    moods: tuple[str, ...]
    """Moods; one is chosen per deck, for its art direction."""
    depicting: str
    """How a prompt opens: ``{style}`` and ``{subject}`` are filled in."""
    showing: str
    """Introduces the slide's key words."""
    and_: str
    """Joins the last two key words."""
    palette: str
    """How a palette is said: ``{colours}`` is replaced by the list of its colours."""
    unlettered: str
    """The closing phrase, said positively (image models read a "no text" as text)."""
    colours: MappingProxyType[str, str]
    """Colour names by English key."""
    special: MappingProxyType[str, str]
    """The scene for each kind of special slide (``questions``, ``thanks``, ``agenda``),
    and ``section``: what follows a section title."""
    at_dusk: str
    """What a closing slide shows of the deck's subject: ``{subject} {at_dusk}``."""
    shapes: MappingProxyType[str, str]
    """The framing for a picture's shape (``wide``, ``tall``, ``square``), when its slot
    says it."""


_Pairs = tuple[tuple[str, ...], tuple[str, ...]]


def _phrases(colours: _Pairs, special: _Pairs, shapes: tuple[str, ...], **words: Any) -> Phrases:
    """:class:`Phrases` with *colours* and *special* given as (keys, phrases), and
    *shapes* the framings for wide, tall and square pictures."""
    return Phrases(
        **words,
        colours=MappingProxyType(dict(zip(*colours, strict=True))),
        special=MappingProxyType(dict(zip(*special, strict=True))),
        shapes=MappingProxyType(dict(zip(("wide", "tall", "square"), shapes, strict=True))),
    )


_COLOUR_KEYS = (
    "white", "black", "charcoal", "cream", "slate grey", "blue", "sky blue", "navy", "teal",
    "beige", "brown", "ochre", "orange", "purple", "pink", "red", "grey", "ivory", "green",
    "yellow", "light grey",
)  # fmt: skip
_SPECIAL_KEYS = ("questions", "thanks", "agenda", "section")

PHRASES = MappingProxyType(
    {
        "en": _phrases(
            lightings=("soft diffused light", "warm morning light",
                       "bright even daylight", "gentle side light"),
            moods=("calm mood", "optimistic mood",
                   "focused mood", "thoughtful mood"),
            styles=("watercolor illustration", "flat vector illustration",
                    "documentary photograph", "isometric 3D render", "gouache painting",
                    "editorial illustration"),
            compositions=("wide view", "close-up", "centered subject, empty background"),
            depicting="{style} of {subject}", showing="showing", and_="and",
            palette="{colours} colors", unlettered="clean unlettered surfaces",
            colours=(_COLOUR_KEYS, _COLOUR_KEYS),
            special=(_SPECIAL_KEYS, (
                "a microphone on a stand under a soft spotlight in an empty hall",
                "a calm sunset over a wide landscape",
                "a winding path with stepping stones leading into the distance",
                "as one simple symbolic object",
            )),
            at_dusk="at golden hour, calm wide view",
            shapes=("wide composition", "tall composition", "square composition"),
        ),
        "fr": _phrases(
            lightings=("lumière douce et diffuse", "lumière chaude du matin",
                       "lumière du jour claire", "douce lumière latérale"),
            moods=("ambiance calme", "ambiance optimiste",
                   "ambiance concentrée", "ambiance réfléchie"),
            styles=("illustration à l'aquarelle", "illustration vectorielle plate",
                    "photographie documentaire", "rendu 3D isométrique", "peinture à la gouache",
                    "illustration éditoriale"),
            compositions=("vue large", "gros plan", "sujet centré, fond vide"),
            depicting="{style} représentant {subject}", showing="montrant", and_="et",
            palette="couleurs {colours}", unlettered="surfaces lisses et vierges",
            colours=(_COLOUR_KEYS, ("blanc", "noir", "anthracite", "crème", "gris ardoise",
                     "bleu", "bleu ciel", "bleu marine", "sarcelle", "beige", "brun", "ocre",
                     "orange", "violet", "rose", "rouge", "gris", "ivoire", "vert", "jaune",
                     "gris clair")),
            special=(_SPECIAL_KEYS, (
                "un micro sur pied sous un projecteur doux dans une salle vide",
                "un coucher de soleil calme sur un vaste paysage",
                "un chemin sinueux de pierres de gué vers le lointain",
                "comme un seul objet symbolique simple",
            )),
            at_dusk="à l'heure dorée, vue large et calme",
            shapes=("composition horizontale", "composition verticale", "composition carrée"),
        ),
        "de": _phrases(
            lightings=("weiches, diffuses Licht", "warmes Morgenlicht",
                       "helles Tageslicht", "sanftes Seitenlicht"),
            moods=("ruhige Stimmung", "optimistische Stimmung",
                   "konzentrierte Stimmung", "nachdenkliche Stimmung"),
            styles=("Aquarellillustration", "flache Vektorillustration", "Dokumentarfoto",
                    "isometrisches 3D-Rendering", "Gouachemalerei", "redaktionelle Illustration"),
            compositions=("Weitwinkelansicht", "Nahaufnahme",
                          "zentriertes Motiv, leerer Hintergrund"),
            depicting="{style}: {subject}", showing="mit", and_="und",
            palette="Farben {colours}", unlettered="glatte, unbeschriftete Flächen",
            colours=(_COLOUR_KEYS, ("Weiß", "Schwarz", "Anthrazit", "Creme", "Schiefergrau",
                     "Blau", "Himmelblau", "Marineblau", "Petrol", "Beige", "Braun", "Ocker",
                     "Orange", "Violett", "Rosa", "Rot", "Grau", "Elfenbein", "Grün", "Gelb",
                     "Hellgrau")),
            special=(_SPECIAL_KEYS, (
                "ein Mikrofon auf einem Ständer im sanften Scheinwerferlicht in einem leeren Saal",
                "ein ruhiger Sonnenuntergang über einer weiten Landschaft",
                "ein gewundener Pfad aus Trittsteinen in die Ferne",
                "als ein einfaches symbolisches Objekt",
            )),
            at_dusk="zur goldenen Stunde, ruhige Weitsicht",
            shapes=("Komposition im Querformat", "Komposition im Hochformat",
                    "quadratische Komposition"),
        ),
        "es": _phrases(
            lightings=("luz suave y difusa", "cálida luz de la mañana",
                       "luz de día clara", "suave luz lateral"),
            moods=("ambiente sereno", "ambiente optimista",
                   "ambiente concentrado", "ambiente reflexivo"),
            styles=("ilustración en acuarela", "ilustración vectorial plana",
                    "fotografía documental", "render 3D isométrico", "pintura al gouache",
                    "ilustración editorial"),
            compositions=("vista amplia", "primer plano", "sujeto centrado, fondo vacío"),
            depicting="{style} que muestra {subject}", showing="mostrando", and_="y",
            palette="colores {colours}", unlettered="superficies limpias y lisas",
            colours=(_COLOUR_KEYS, ("blanco", "negro", "antracita", "crema", "gris pizarra",
                     "azul", "azul cielo", "azul marino", "verde azulado", "beige", "marrón",
                     "ocre", "naranja", "morado", "rosa", "rojo", "gris", "marfil", "verde",
                     "amarillo", "gris claro")),
            special=(_SPECIAL_KEYS, (
                "un micrófono en un pie bajo un foco suave en una sala vacía",
                "un atardecer tranquilo sobre un paisaje amplio",
                "un camino sinuoso de piedras que se pierde en la distancia",
                "como un único objeto simbólico sencillo",
            )),
            at_dusk="en la hora dorada, vista amplia y tranquila",
            shapes=("composición horizontal", "composición vertical", "composición cuadrada"),
        ),
        "it": _phrases(
            lightings=("luce morbida e diffusa", "calda luce del mattino",
                       "luce diurna chiara", "morbida luce laterale"),
            moods=("atmosfera calma", "atmosfera ottimista",
                   "atmosfera concentrata", "atmosfera riflessiva"),
            styles=("illustrazione ad acquerello", "illustrazione vettoriale piatta",
                    "fotografia documentaria", "render 3D isometrico", "pittura a guazzo",
                    "illustrazione editoriale"),
            compositions=("vista ampia", "primo piano", "soggetto centrato, sfondo vuoto"),
            depicting="{style} raffigurante {subject}", showing="con", and_="e",
            palette="colori {colours}", unlettered="superfici pulite e lisce",
            colours=(_COLOUR_KEYS, ("bianco", "nero", "antracite", "crema", "grigio ardesia",
                     "blu", "azzurro", "blu navy", "verde acqua", "beige", "marrone", "ocra",
                     "arancione", "viola", "rosa", "rosso", "grigio", "avorio", "verde", "giallo",
                     "grigio chiaro")),
            special=(_SPECIAL_KEYS, (
                "un microfono su un'asta sotto un riflettore morbido in una sala vuota",
                "un tramonto calmo su un ampio paesaggio",
                "un sentiero tortuoso di pietre che porta lontano",
                "come un unico oggetto simbolico semplice",
            )),
            at_dusk="all'ora dorata, vista ampia e calma",
            shapes=("composizione orizzontale", "composizione verticale", "composizione quadrata"),
        ),
    }
)  # fmt: skip
"""Prompt phrases of each language the offline provider writes in (others get English)."""
