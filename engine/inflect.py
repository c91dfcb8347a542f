"""English inflections for `word~` patterns: a lemma and its verb and noun forms.

Regular forms follow the spelling rules (kill -> kills, killed, killing; die -> dies, died,
dying; carry -> carries, carried; stop -> stopped, stopping; open -> opened and openned);
irregular verbs and nouns common in conflict news come from a table. The set errs on the side
of including forms.
"""

from __future__ import annotations

import functools

IRREGULAR: dict[str, tuple[str, ...]] = {
    "be": ("is", "are", "was", "were", "been", "being", "am"),
    "have": ("has", "had", "having"),
    "do": ("does", "did", "done", "doing"),
    "flee": ("flees", "fled", "fleeing"),
    "strike": ("strikes", "struck", "stricken", "striking"),
    "shoot": ("shoots", "shot", "shooting"),
    "hit": ("hits", "hitting"),
    "take": ("takes", "took", "taken", "taking"),
    "seize": ("seizes", "seized", "seizing"),
    "die": ("dies", "died", "dying"),
    "lie": ("lies", "lay", "lain", "lying"),
    "fight": ("fights", "fought", "fighting"),
    "hold": ("holds", "held", "holding"),
    "leave": ("leaves", "left", "leaving"),
    "lose": ("loses", "lost", "losing"),
    "bring": ("brings", "brought", "bringing"),
    "catch": ("catches", "caught", "catching"),
    "drive": ("drives", "drove", "driven", "driving"),
    "fall": ("falls", "fell", "fallen", "falling"),
    "give": ("gives", "gave", "given", "giving"),
    "go": ("goes", "went", "gone", "going"),
    "hide": ("hides", "hid", "hidden", "hiding"),
    "hurt": ("hurts", "hurting"),
    "lead": ("leads", "led", "leading"),
    "run": ("runs", "ran", "running"),
    "say": ("says", "said", "saying"),
    "see": ("sees", "saw", "seen", "seeing"),
    "send": ("sends", "sent", "sending"),
    "set": ("sets", "setting"),
    "slay": ("slays", "slew", "slain", "slaying"),
    "tell": ("tells", "told", "telling"),
    "throw": ("throws", "threw", "thrown", "throwing"),
    "wound": ("wounds", "wounded", "wounding"),
    "blow": ("blows", "blew", "blown", "blowing"),
    "break": ("breaks", "broke", "broken", "breaking"),
    "fly": ("flies", "flew", "flown", "flying"),
    "get": ("gets", "got", "gotten", "getting"),
    "keep": ("keeps", "kept", "keeping"),
    "make": ("makes", "made", "making"),
    "meet": ("meets", "met", "meeting"),
    "put": ("puts", "putting"),
    "rise": ("rises", "rose", "risen", "rising"),
    "speak": ("speaks", "spoke", "spoken", "speaking"),
    "withdraw": ("withdraws", "withdrew", "withdrawn", "withdrawing"),
    "overrun": ("overruns", "overran", "overrunning"),
    "shell": ("shells", "shelled", "shelling"),
    "target": ("targets", "targeted", "targeting"),
    "child": ("children",),
    "man": ("men", "mans", "manned", "manning"),
    "woman": ("women",),
    "person": ("people", "persons"),
}

_VOWELS = set("aeiou")


@functools.lru_cache(maxsize=4096)
def inflections(lemma: str) -> tuple[str, ...]:
    """The lemma (lower-cased) and its inflected forms, lemma first, without duplicates."""
    base = lemma.lower()
    forms = [base, *IRREGULAR.get(base, _regular_forms(base))]
    return tuple(dict.fromkeys(forms))


def _regular_forms(base: str) -> tuple[str, ...]:
    return (_third_person(base), *_past(base), *_gerund(base))


def _third_person(base: str) -> str:
    if base.endswith(("s", "x", "z", "ch", "sh", "o")):
        return base + "es"
    if _ends_consonant_y(base):
        return base[:-1] + "ies"
    return base + "s"


def _past(base: str) -> tuple[str, ...]:
    if base.endswith("e"):
        return (base + "d",)
    if _ends_consonant_y(base):
        return (base[:-1] + "ied",)
    return _with_suffix(base, "ed")


def _gerund(base: str) -> tuple[str, ...]:
    if base.endswith("ie"):
        return (base[:-2] + "ying",)
    if base.endswith("e") and not base.endswith(("ee", "ye", "oe")):
        return (base[:-1] + "ing",)
    return _with_suffix(base, "ing")


def _with_suffix(base: str, suffix: str) -> tuple[str, ...]:
    """`-ed`/`-ing` forms: doubled final consonant for stop, both spellings for open/kidnap."""
    if not _ends_cvc(base):
        return (base + suffix,)
    doubled = base + base[-1] + suffix
    return (doubled,) if _syllables(base) == 1 else (base + suffix, doubled)


def _syllables(base: str) -> int:
    """Vowel groups in a word: a rough syllable count."""
    groups = "".join("v" if ch in _VOWELS else "c" for ch in base)
    return len([g for g in groups.split("c") if g])


def _ends_consonant_y(base: str) -> bool:
    return len(base) > 1 and base.endswith("y") and base[-2] not in _VOWELS


def _ends_cvc(base: str) -> bool:
    """Ends consonant-vowel-consonant, where the final consonant may double (stop -> stopped).

    One-syllable words double; longer ones get both spellings, since doubling depends on
    stress (kidnapped, but opened).
    """
    if len(base) < 3:
        return False
    a, b, c = base[-3], base[-2], base[-1]
    return a not in _VOWELS and b in _VOWELS and c not in _VOWELS and c not in "wxy"
