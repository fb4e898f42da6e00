"""Baselines that every restag model is measured against, kept forever.

Three kinds, all following the scikit-learn contract (``__init__`` stores
hyperparameters, ``fit`` returns ``self``, learned state ends in ``_``,
``predict_proba`` columns follow ``classes_``):

- :class:`LeadVerbForce` — the lead-verb rules of LABELS.md (Task 2) as a deterministic
  classifier: the strongest of the Assembly's own governing verbs wins; a preambular
  paragraph is ``preambular`` by its kind (or, when the kind is unknown, by its form).
- :class:`KeywordThemes` — a multi-label keyword baseline built from the topic lists of
  LABELS.md (Task 1), with its framing and citation exceptions.
- :func:`make_tfidf_force` / :func:`make_tfidf_themes` — TF-IDF + logistic regression as
  scikit-learn :class:`~sklearn.pipeline.Pipeline`\\ s (one-vs-rest for the themes).

Inputs (``X``) are sequences of items: a paragraph string, or any record with ``text``
and ``kind`` attributes (:class:`~restag.data.records.Paragraph`,
:class:`~restag.data.labels.GoldParagraph`) or keys (a dict). The kind is used when known.
Theme targets are multi-hot matrices in :data:`~restag.data.schema.THEMES` order; force
targets are labels of :data:`~restag.data.schema.FORCES`.

:class:`BaselineTagger` pairs a theme and a force baseline and returns the same
:class:`~restag.model.results.Prediction` records as the fine-tuned model, so that the
evaluation treats every system alike. Fitted baselines are saved as plain JSON plus
safetensors arrays (:func:`save_baseline` / :func:`load_baseline`) — never pickle.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from restag.data.errors import ModelError
from restag.data.schema import FORCE_LEAD_VERBS, FORCE_LEVEL, FORCES, KINDS, THEMES, validate_theme, vector_to_themes
from restag.model.results import Prediction

if TYPE_CHECKING:  # pragma: no cover
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

BASELINE_FORMAT_VERSION = 1
#: Version of the lead-verb rules and keyword lists. The fine-tuned model takes their output
#: as input features (:mod:`restag.model.features`): bump this whenever a rule or keyword
#: changes, and retrain any model that uses rule features.
RULES_VERSION = 1

# --------------------------------------------------------------------------------------
# Inputs: text and (optional) kind of each item
# --------------------------------------------------------------------------------------


def text_and_kind(item: Any) -> tuple[str, str | None]:
    """``(text, kind)`` of a paragraph string, record or mapping; ``kind`` None when unknown."""
    if isinstance(item, str):
        return item, None
    if isinstance(item, Mapping):
        text, kind = item.get("text"), item.get("kind")
    else:
        text, kind = getattr(item, "text", None), getattr(item, "kind", None)
    if not isinstance(text, str):
        raise TypeError(
            f"expected a paragraph string or a record with a 'text' field, found {type(item).__name__}"
        )
    return text, (kind or None)


def _items(X: Any) -> list[tuple[str, str | None]]:
    if isinstance(X, str):
        raise TypeError("X must be a sequence of paragraphs, found a single string; wrap it in a list")
    return [text_and_kind(item) for item in X]


# --------------------------------------------------------------------------------------
# Force: the lead-verb rules of LABELS.md
# --------------------------------------------------------------------------------------

_DECLARATORY, _HORTATORY, _DIRECTIVE, _DECISIONAL = (FORCE_LEVEL[f] for f in FORCES[1:])
_PREAMBULAR_KIND, _OPERATIVE_KIND = KINDS

#: Governing verb phrases (third person singular, the Assembly's voice) and their level:
#: the verb table of LABELS.md, Task 2 (:data:`FORCE_LEAD_VERBS`), plus variants and further
#: verbs seen in resolutions. Longest phrases are tried first.
VERB_LEVELS: dict[str, int] = {
    phrase: FORCE_LEVEL[force] for force, phrases in FORCE_LEAD_VERBS.items() for phrase in phrases
} | {
    # directive
    "calls on": _DIRECTIVE, "continues to request": _DIRECTIVE, "continues to urge": _DIRECTIVE,
    "continues to call upon": _DIRECTIVE,
    # hortatory
    "continues to call for": _HORTATORY, "continues to encourage": _HORTATORY,
    "continues to invite": _HORTATORY, "continues to support": _HORTATORY,
    # declaratory; "declares" and "extends" are decisional only in the contexts below
    "declares": _DECLARATORY, "extends": _DECLARATORY, "renews": _DECLARATORY,
    "observes": _DECLARATORY, "regrets": _DECLARATORY, "reminds": _DECLARATORY,
    "confirms": _DECLARATORY, "is aware": _DECLARATORY, "believes": _DECLARATORY,
    "agrees": _DECLARATORY, "pays tribute": _DECLARATORY, "takes into account": _DECLARATORY,
    "remains": _DECLARATORY, "is concerned": _DECLARATORY, "is deeply concerned": _DECLARATORY,
    "emphasises": _DECLARATORY, "recognises": _DECLARATORY,
}

#: "declares" is decisional for a year, day, decade (a proclamation); "extends" for a
#: mandate or period. Otherwise they state a position or an expression (declaratory).
_DECLARES_DECISIONAL = re.compile(
    r"^\s*(?:\S+\s+){0,6}?(?:the\s+)?(?:\S+\s+){0,4}?(?:year|day|decade|week|international\s+\w+\s+(?:year|day|decade))\b",
    re.IGNORECASE,
)
_EXTENDS_DECISIONAL = re.compile(r"^\s*(?:\S+\s+){0,6}?(?:mandate|period|term|deadline)\b", re.IGNORECASE)

#: Rule 5 — a renewed act keeps its level: "reiterates its request" is directive, ...
_RENEWED = re.compile(
    r"^\s*(?:its|the|their)\s+(?:\w+\s+){0,2}?"
    r"(?P<act>requests?|calls?\s+(?:up)?on|calls?\s+for|calls?\s+to|calls?|invitations?|appeals?|"
    r"encouragements?|urging|support|decisions?|recommendations?)\b",
    re.IGNORECASE,
)
_RENEWED_LEVELS: dict[str, int] = {
    "request": _DIRECTIVE, "call upon": _DIRECTIVE, "call on": _DIRECTIVE, "call to": _DIRECTIVE,
    "urging": _DIRECTIVE, "call for": _HORTATORY, "call": _HORTATORY, "invitation": _HORTATORY,
    "appeal": _HORTATORY, "encouragement": _HORTATORY, "recommendation": _HORTATORY,
    "support": _DECLARATORY, "decision": _DECLARATORY,
}
_RENEWING_VERBS = ("reiterates", "renews", "reaffirms")

#: Modifiers that may stand before a governing verb and never change its level (rule 3).
_MODIFIER = r"(?:also|further|furthermore|again|once\s+again|strongly|firmly|further\s+strongly|" \
    r"therefore|in\s+(?:this|that)\s+(?:regard|context|connection|respect)|to\s+(?:this|that)\s+end|" \
    r"moreover|accordingly|equally|likewise|urgently|respectfully)"
_MODIFIERS = rf"(?:{_MODIFIER}[\s,]+)*"

#: An aside that may split "calls ... upon/for": "calls, therefore, upon", "calls in this regard for".
_CALLS_ASIDE = r"\s*,?\s*(?:(?:therefore|also|further|again|once\s+again|in\s+this\s+regard|in\s+that\s+regard)\s*,?\s*)?"


def _verb_pattern(verb: str) -> str:
    if verb.startswith("calls ") or verb.startswith("continues to call "):
        head, tail = verb.rsplit(" ", 1)
        return re.escape(head).replace(r"\ ", r"\s+") + _CALLS_ASIDE + tail
    return re.escape(verb).replace(r"\ ", r"\s+")


_VERB_ALTERNATION = "|".join(_verb_pattern(verb) for verb in sorted(VERB_LEVELS, key=len, reverse=True))
#: Verbs that are also nouns ("the requests of", "notes by the Secretariat").
_NOUN_FOLLOWERS = re.compile(r"^\s*(?:of|by|from|made|submitted|and|or|to\s+the\s+General\s+Assembly)\b", re.IGNORECASE)
_NOUN_LIKE = {"notes", "requests", "appeals", "supports", "demands", "calls"}
#: A governing verb at the start of the paragraph ...
_LEAD = re.compile(rf"^\W*{_MODIFIERS}(?P<verb>{_VERB_ALTERNATION})\b", re.IGNORECASE)
#: ... or coordinated with it: ", and decides", "and, in this regard, urges", "; invites".
_COORDINATED = re.compile(
    rf"(?:,\s*(?:\d{{1,3}}\s+)?and|\band|;|:|,\s*(?:\d{{1,3}}\s+)?|\([a-z]\))\s*,?\s*{_MODIFIERS}(?P<verb>{_VERB_ALTERNATION})\b",
    re.IGNORECASE,
)
#: A relative pronoun opens a clause whose verbs belong to someone else ("the declaration,
#: which urges States and requests ..."): a verb joined by a bare "and" inside it is skipped.
_RELATIVE = re.compile(r"\b(?:which|who|whom|whose)\b", re.IGNORECASE)
#: Quoted or bracketed stretches: verbs inside them are not the Assembly's own (rule 2).
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|\([^()]{12,}\)")

#: First words of a preambular paragraph by form (when its kind is not given).
_PREAMBULAR_FORM = re.compile(
    r"^\W*(?:\w+ly\s+)?(?:\w+ing|convinced|mindful|aware|conscious|concerned|alarmed|determined|"
    r"guided|encouraged|cognizant|desirous|pleased|appreciative|disturbed|dismayed)\b",
    re.IGNORECASE,
)


def _norm_verb(verb: str) -> str:
    """Canonical form of a matched verb phrase: "Calls, therefore, upon" -> "calls upon"."""
    words = re.sub(r"[\s,]+", " ", verb.lower()).split()
    if words[0] == "calls" or words[:3] == ["continues", "to", "call"]:
        words = [w for w in words if w not in {"therefore", "also", "further", "again", "once", "in", "this", "that", "regard"}]
    return " ".join(words)


def _verb_level(verb: str, rest: str) -> int:
    """Level of a governing verb given the text that follows it."""
    verb = _norm_verb(verb)
    if verb in _RENEWING_VERBS:
        renewed = _RENEWED.match(rest)
        if renewed:
            act = _norm_verb(renewed.group("act"))
            act = re.sub(r"^(request|invitation|appeal|encouragement|decision|recommendation|call)s\b", r"\1", act)
            act = act.replace("calls", "call")
            return _RENEWED_LEVELS.get(act, _DECLARATORY)
        return _DECLARATORY
    if verb == "declares" and _DECLARES_DECISIONAL.match(rest):
        return _DECISIONAL
    if verb == "extends" and _EXTENDS_DECISIONAL.match(rest):
        return _DECISIONAL
    return VERB_LEVELS.get(verb, _DECLARATORY)


def governing_verbs(text: str) -> list[tuple[str, int]]:
    """The Assembly's own governing verbs of an operative paragraph with their levels.

    The lead verb (after modifiers such as "Also" or "Further") and every verb coordinated
    with it (", and decides ...", "; invites ..."); verbs inside quotations, bracketed
    asides and relative clauses ("..., which urges States and requests ...") are left out
    (LABELS.md force rule 2), and so are verbs used as nouns ("the requests of").
    """
    cleaned = _QUOTED.sub(lambda m: " " * len(m.group(0)), text)
    found: list[tuple[str, int]] = []
    lead = _LEAD.match(cleaned)
    if lead:
        found.append((_norm_verb(lead.group("verb")), _verb_level(lead.group("verb"), cleaned[lead.end():])))
    previous = lead.end() if lead else 0
    for match in _COORDINATED.finditer(cleaned, previous):
        joined_by_bare_and = not match.group(0).lstrip().startswith((",", ";", ":", "("))
        if joined_by_bare_and and _RELATIVE.search(cleaned, previous, match.start()):
            continue
        verb = match.group("verb")
        if _norm_verb(verb) in _NOUN_LIKE and _NOUN_FOLLOWERS.match(cleaned[match.end():]):
            continue
        found.append((_norm_verb(verb), _verb_level(verb, cleaned[match.end():])))
        previous = match.end()
    return found


def is_preambular_form(text: str) -> bool:
    """Whether a paragraph reads as preambular: a participle or adjective lead, not a verb."""
    if _LEAD.match(text):
        return False
    return bool(_PREAMBULAR_FORM.match(text))


def lead_verb_force(text: str, kind: str | None = None) -> str:
    """Force label of one paragraph by the lead-verb rules of LABELS.md."""
    if kind == _PREAMBULAR_KIND or (kind is None and is_preambular_form(text)):
        return FORCES[0]
    verbs = governing_verbs(text)
    level = max((level for _, level in verbs), default=_DECLARATORY)
    return FORCES[level]


class LeadVerbForce:
    """Force by the lead-verb rules of LABELS.md: deterministic, nothing learned from data.

    ``fit`` only records the label set (``classes_`` = :data:`FORCES`); ``predict_proba``
    is one-hot, since rules carry no graded confidence.
    """

    def __init__(self) -> None:
        pass

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {}

    def set_params(self, **params: Any) -> "LeadVerbForce":
        if params:
            raise ValueError(f"LeadVerbForce takes no parameters, found {sorted(params)}")
        return self

    def fit(self, X: Any = None, y: Any = None) -> "LeadVerbForce":
        self.classes_ = np.array(FORCES)
        return self

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        return np.array([lead_verb_force(text, kind) for text, kind in _items(X)], dtype=object)

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        labels = self.predict(X)
        proba = np.zeros((len(labels), len(FORCES)))
        for row, label in enumerate(labels):
            proba[row, FORCE_LEVEL[label]] = 1.0
        return proba


# --------------------------------------------------------------------------------------
# Themes: keywords from the LABELS.md topic lists
# --------------------------------------------------------------------------------------

#: Topic patterns per theme, from the "own content concerns ..." column of LABELS.md Task 1
#: and its settled boundary cases (rule 8). Matched case-insensitively on word boundaries.
THEME_KEYWORDS: dict[str, tuple[str, ...]] = {
    validate_theme("poverty"): (
        r"industriali[sz]ation", r"industrial (?:development|policy|policies|sector|base|production|"
        r"capacit\w+|upgrading|park\w*|zones?|infrastructure|diversification|transformation|enterprises?)",
        r"sustainable industr\w+", r"inclusive and sustainable industrial", r"manufactur\w+",
        r"agro-?industr\w+", r"agribusiness\w*", r"micro-?,? small and medium", r"small and medium[- ]sized",
        r"msmes?", r"smes?", r"entrepreneur\w*", r"cooperatives", r"productive employment",
        r"decent (?:work|jobs?)", r"job creation", r"creat\w+ (?:of )?(?:decent )?jobs", r"income[- ]generat\w+",
        r"economic empowerment", r"vocational", r"skills development", r"technical and vocational",
        r"technology transfer", r"transfer of technolog\w+", r"foreign direct investment",
        r"investment in (?:industry|industrial|productive)", r"productive (?:capacit\w+|sectors?|activities|investment)",
        r"private[- ]sector development", r"productivity", r"structural (?:transformation|change)",
        r"economic diversification", r"diversif\w+ (?:of )?(?:their|the|national)? ?econom\w+",
        r"value addition", r"agricultural (?:production|productivity|development|technolog\w+)",
        r"smallholder\w*", r"rural (?:development|industr\w+|enterprises?)", r"poverty reduction through productive",
        r"(?:science, )?technology and innovation for (?:industr\w+|productive)", r"business development",
        r"industrial innovation",
    ),
    validate_theme("trade"): (
        r"trade", r"trading", r"exports?", r"exporting", r"imports?", r"market access", r"tariffs?",
        r"non-tariff", r"world trade organization", r"wto", r"aid for trade", r"customs",
        r"quality infrastructure", r"(?:product|process|quality|technical|trade) standards",
        r"standardi[sz]ation", r"conformity assessment", r"metrology",
        r"value chains?", r"supply chains?", r"commodit(?:y|ies)", r"food[- ]price", r"competitiveness",
        r"e-commerce", r"electronic commerce", r"transit trade", r"unilateral economic", r"coercive economic",
        r"international markets?", r"global markets?",
    ),
    validate_theme("environment"): (
        r"energy", r"renewable\w*", r"climate", r"global warming", r"greenhouse", r"emissions?",
        r"pollution", r"pollutants?", r"chemicals?", r"wastes?", r"ozone", r"cleaner production",
        r"resource[- ]efficien\w+", r"circular economy", r"sustainable consumption and production",
        r"environmentally sound", r"water resources", r"water scarcity", r"water management",
        r"water-related", r"biodiversity", r"biological diversity", r"oceans?", r"marine",
        r"forests?", r"deforestation", r"desertification", r"land degradation", r"drought",
        r"sand and dust storms?", r"environmental protection", r"protection of the environment",
        r"ecosystems?", r"paris agreement", r"framework convention on climate change", r"unfccc",
        r"sustainable energy", r"fossil fuels?", r"electricity",
        r"coral reefs?", r"plastics?", r"mercury", r"environment and energy",
    ),
}

#: Framing phrases that never count on their own (LABELS.md theme rule 1), removed before
#: matching; the names of the organizations whose reports and mandates are procedure (the
#: worked example "Takes note of the report of the Director-General of UNIDO" carries none);
#: and citations of resolutions by number and title (rule 7).
_FRAMING = re.compile(
    r"economic, social and environmental|economic, social, environmental|"
    r"social and environmental|three dimensions[^,;]*|environmental and related fields|"
    r"trade and development board|world trade centre|international trade centre|"
    r"united nations industrial development organi[sz]ation|united nations conference on trade and development|(?:resolutions?|decisions?)\s+\d+/\d+[^;]*?(?:entitled\s+“[^”]*”|on\s+[a-z][^,;]*)",
    re.IGNORECASE,
)


class KeywordThemes:
    """Themes from the LABELS.md topic lists: a label when any of its keywords occurs.

    ``classes_`` = :data:`THEMES`; ``predict`` returns a multi-hot matrix in that order;
    ``predict_proba`` is 1.0 where a keyword matched and 0.0 elsewhere.
    """

    def __init__(self, keywords: Mapping[str, Sequence[str]] | None = None) -> None:
        self.keywords = keywords

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {"keywords": self.keywords}

    def set_params(self, **params: Any) -> "KeywordThemes":
        for key, value in params.items():
            if key != "keywords":
                raise ValueError(f"KeywordThemes has no parameter {key!r}; expected 'keywords'")
            self.keywords = value
        return self

    def fit(self, X: Any = None, y: Any = None) -> "KeywordThemes":
        keywords = THEME_KEYWORDS if self.keywords is None else self.keywords
        unknown = sorted(set(keywords) - set(THEMES))
        if unknown:
            raise ValueError(f"keywords for unknown theme(s) {unknown}; expected keys from {list(THEMES)}")
        self.classes_ = np.array(THEMES)
        self.patterns_ = {
            theme: re.compile(r"\b(?:" + "|".join(keywords.get(theme, ())) + r")\b", re.IGNORECASE)
            if keywords.get(theme) else None
            for theme in THEMES
        }
        return self

    def matches(self, text: str) -> dict[str, list[str]]:
        """The keywords found for each theme (for explaining a decision)."""
        cleaned = _FRAMING.sub(" ", text)
        found: dict[str, list[str]] = {}
        for theme, pattern in self.patterns_.items():
            found[theme] = [m.group(0) for m in pattern.finditer(cleaned)] if pattern else []
        return found

    def predict_proba(self, X: Sequence[Any]) -> np.ndarray:
        rows = []
        for text, _ in _items(X):
            found = self.matches(text)
            rows.append([1.0 if found[theme] else 0.0 for theme in THEMES])
        return np.array(rows, dtype=float).reshape(-1, len(THEMES))

    def predict(self, X: Sequence[Any]) -> np.ndarray:
        return (self.predict_proba(X) >= 0.5).astype(int)


# --------------------------------------------------------------------------------------
# TF-IDF + logistic regression Pipelines
# --------------------------------------------------------------------------------------


def kind_marked_texts(X: Sequence[Any]) -> list[str]:
    """Each item's text, prefixed with a kind token when the kind is known."""
    return [f"__{kind}__ {text}" if kind else text for text, kind in _items(X)]


@dataclass(frozen=True)
class TfidfConfig:
    """Hyperparameters of the TF-IDF + logistic regression baselines (saved beside them)."""

    ngram_max: int = 2
    min_df: int = 2
    max_features: int | None = 20_000
    sublinear_tf: bool = True
    C: float = 10.0
    class_weight: str | None = "balanced"
    max_iter: int = 2000


def _tfidf(config: TfidfConfig) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        ngram_range=(1, config.ngram_max), min_df=config.min_df, max_features=config.max_features,
        sublinear_tf=config.sublinear_tf, lowercase=True, strip_accents="unicode",
    )


def _logreg(config: TfidfConfig) -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter)


def make_tfidf_force(config: TfidfConfig = TfidfConfig()) -> "Pipeline":
    """TF-IDF + multinomial logistic regression for force; fit with labels from FORCES."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    return Pipeline([
        ("text", FunctionTransformer(kind_marked_texts)),
        ("tfidf", _tfidf(config)),
        ("clf", _logreg(config)),
    ])


def make_tfidf_themes(config: TfidfConfig = TfidfConfig()) -> "Pipeline":
    """TF-IDF + one-vs-rest logistic regression for themes; fit with a multi-hot matrix.

    ``predict_proba`` column ``j`` (``classes_[j] == j``) is theme ``THEMES[j]``.
    """
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer

    return Pipeline([
        ("text", FunctionTransformer(kind_marked_texts)),
        ("tfidf", _tfidf(config)),
        ("clf", OneVsRestClassifier(_logreg(config))),
    ])


# --------------------------------------------------------------------------------------
# One interface for the evaluation: a theme baseline + a force baseline -> Predictions
# --------------------------------------------------------------------------------------


def theme_targets(themes: Sequence[Sequence[str]]) -> np.ndarray:
    """Multi-hot matrix in THEMES order from lists of theme labels."""
    return np.array([[int(t in set(labels)) for t in THEMES] for labels in themes], dtype=int).reshape(-1, len(THEMES))


def _force_proba(model: Any, X: Sequence[Any]) -> np.ndarray:
    """Force probabilities with columns in FORCES order, whatever the model's classes_."""
    proba = np.asarray(model.predict_proba(X), dtype=float)
    out = np.zeros((proba.shape[0], len(FORCES)))
    for column, label in enumerate(model.classes_):
        out[:, FORCE_LEVEL[str(label)]] = proba[:, column]
    return out


def constrain_force(proba: np.ndarray, kinds: Sequence[str | None]) -> np.ndarray:
    """The kind constraint of the model contract: preambular kind -> preambular; operative never."""
    proba = proba.copy()
    for row, kind in enumerate(kinds):
        if kind == _PREAMBULAR_KIND:
            proba[row] = 0.0
            proba[row, 0] = 1.0
        elif kind == _OPERATIVE_KIND:
            proba[row, 0] = 0.0
            total = proba[row].sum()
            if total > 0:
                proba[row] /= total
            else:
                proba[row, _DECLARATORY] = 1.0
    return proba


class BaselineTagger:
    """A theme baseline and a force baseline behind the ``Tagger.predict`` interface."""

    def __init__(self, name: str, themes: Any, force: Any, *, threshold: float = 0.5) -> None:
        self.name = name
        self.themes = themes
        self.force = force
        self.threshold = threshold

    def predict(self, items: Sequence[Any], *, batch_size: int = 0, progress: bool = False) -> list[Prediction]:
        items = list(items)
        if not items:
            return []
        parsed = _items(items)
        kinds = [kind for _, kind in parsed]
        theme_proba = np.asarray(self.themes.predict_proba(items), dtype=float).reshape(len(items), len(THEMES))
        force_proba = constrain_force(_force_proba(self.force, items), kinds)
        predictions = []
        for row, item in enumerate(items):
            level = int(np.argmax(force_proba[row]))
            predictions.append(Prediction(
                themes=vector_to_themes([p >= self.threshold for p in theme_proba[row]]),
                theme_scores=dict(zip(THEMES, theme_proba[row].tolist())),
                force=FORCES[level],
                force_level=level,
                force_scores=dict(zip(FORCES, force_proba[row].tolist())),
                id=getattr(item, "id", None) if not isinstance(item, (str, Mapping)) else (
                    item.get("id") if isinstance(item, Mapping) else None),
            ))
        return predictions


def rule_baseline() -> BaselineTagger:
    """Lead-verb rules for force and LABELS.md keywords for themes (no training data)."""
    return BaselineTagger("rules", KeywordThemes().fit(), LeadVerbForce().fit())


def tfidf_baseline(
    train_items: Sequence[Any], themes: Sequence[Sequence[str]], forces: Sequence[str],
    config: TfidfConfig = TfidfConfig(),
) -> BaselineTagger:
    """Fit both TF-IDF + logistic regression pipelines on labelled paragraphs."""
    theme_model = make_tfidf_themes(config).fit(train_items, theme_targets(themes))
    force_model = make_tfidf_force(config).fit(train_items, np.asarray(forces, dtype=object))
    return BaselineTagger("tfidf-logreg", theme_model, force_model)


# --------------------------------------------------------------------------------------
# Persistence without pickle: JSON for parameters and vocabulary, safetensors for arrays
# --------------------------------------------------------------------------------------


def _save_tfidf_pipeline(pipeline: "Pipeline", prefix: str, arrays: dict[str, np.ndarray]) -> dict[str, Any]:
    tfidf, clf = pipeline.named_steps["tfidf"], pipeline.named_steps["clf"]
    arrays[f"{prefix}.idf"] = np.asarray(tfidf.idf_, dtype=np.float64)
    params = {k: v for k, v in tfidf.get_params().items() if k in _TFIDF_PARAMS}
    params["ngram_range"] = list(params["ngram_range"])
    meta: dict[str, Any] = {
        "tfidf_params": params,
        "vocabulary": {term: int(index) for term, index in tfidf.vocabulary_.items()},
    }
    if hasattr(clf, "estimators_"):  # one-vs-rest themes
        meta["kind"] = "one_vs_rest"
        meta["n_outputs"] = len(clf.estimators_)
        for j, estimator in enumerate(clf.estimators_):
            arrays[f"{prefix}.coef.{j}"] = np.asarray(estimator.coef_, dtype=np.float64)
            arrays[f"{prefix}.intercept.{j}"] = np.asarray(estimator.intercept_, dtype=np.float64)
    else:
        meta["kind"] = "multinomial"
        meta["classes"] = [str(c) for c in clf.classes_]
        arrays[f"{prefix}.coef"] = np.asarray(clf.coef_, dtype=np.float64)
        arrays[f"{prefix}.intercept"] = np.asarray(clf.intercept_, dtype=np.float64)
    return meta


_TFIDF_PARAMS = ("ngram_range", "min_df", "max_features", "sublinear_tf", "lowercase", "strip_accents")


def _load_tfidf_pipeline(meta: Mapping[str, Any], prefix: str, arrays: Mapping[str, np.ndarray]) -> "Pipeline":
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, LabelBinarizer

    params = dict(meta["tfidf_params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    tfidf = TfidfVectorizer(**params)
    tfidf.vocabulary_ = {str(k): int(v) for k, v in meta["vocabulary"].items()}
    tfidf.fixed_vocabulary_ = False
    tfidf.idf_ = arrays[f"{prefix}.idf"]
    n_features = len(tfidf.vocabulary_)

    def logreg(coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray) -> LogisticRegression:
        model = LogisticRegression()
        model.coef_, model.intercept_, model.classes_ = coef, intercept, classes
        model.n_features_in_ = n_features
        return model

    if meta["kind"] == "one_vs_rest":
        clf = OneVsRestClassifier(LogisticRegression())
        clf.estimators_ = [
            logreg(arrays[f"{prefix}.coef.{j}"], arrays[f"{prefix}.intercept.{j}"], np.array([0, 1]))
            for j in range(int(meta["n_outputs"]))
        ]
        # The label binarizer of a multi-label fit: refitted on an identity indicator matrix.
        clf.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(np.eye(int(meta["n_outputs"]), dtype=int))
        clf.classes_ = clf.label_binarizer_.classes_
        clf.n_features_in_ = n_features
    else:
        clf = logreg(arrays[f"{prefix}.coef"], arrays[f"{prefix}.intercept"], np.array(meta["classes"], dtype=object))
    text = FunctionTransformer(kind_marked_texts)  # stateless: nothing to restore
    return Pipeline([("text", text), ("tfidf", tfidf), ("clf", clf)])


def save_baseline(tagger: BaselineTagger, directory: str | Path) -> Path:
    """Save a fitted TF-IDF baseline as ``baseline.json`` + ``baseline.safetensors``.

    The rule baseline has no learned state and is rebuilt by :func:`rule_baseline`.
    """
    from safetensors.numpy import save_file

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    meta = {
        "format_version": BASELINE_FORMAT_VERSION,
        "name": tagger.name,
        "threshold": tagger.threshold,
        "themes": list(THEMES),
        "forces": list(FORCES),
        "theme_model": _save_tfidf_pipeline(tagger.themes, "themes", arrays),
        "force_model": _save_tfidf_pipeline(tagger.force, "force", arrays),
    }
    save_file({k: np.ascontiguousarray(v) for k, v in arrays.items()}, str(directory / "baseline.safetensors"))
    (directory / "baseline.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return directory


def load_baseline(directory: str | Path) -> BaselineTagger:
    """Load a baseline saved by :func:`save_baseline` (plain JSON + arrays, no pickle)."""
    from safetensors.numpy import load_file

    directory = Path(directory)
    meta_path, array_path = directory / "baseline.json", directory / "baseline.safetensors"
    if not meta_path.is_file() or not array_path.is_file():
        raise ModelError(
            f"no saved baseline in {directory}; expected baseline.json and baseline.safetensors "
            "written by restag.model.baselines.save_baseline"
        )
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    if meta.get("format_version") != BASELINE_FORMAT_VERSION or meta.get("themes") != list(THEMES) \
            or meta.get("forces") != list(FORCES):
        raise ModelError(
            f"baseline in {directory} has format {meta.get('format_version')} and labels "
            f"{meta.get('themes')}/{meta.get('forces')}; expected format {BASELINE_FORMAT_VERSION} "
            f"with {list(THEMES)}/{list(FORCES)}; refit it with this restag"
        )
    arrays = load_file(str(array_path))
    return BaselineTagger(
        str(meta["name"]),
        _load_tfidf_pipeline(meta["theme_model"], "themes", arrays),
        _load_tfidf_pipeline(meta["force_model"], "force", arrays),
        threshold=float(meta["threshold"]),
    )

