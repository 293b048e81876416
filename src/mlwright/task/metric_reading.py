"""Reading the metric from a task description as a person would.

Find where the text says how entries are scored (an evaluation heading in any style, or a
sentence on scoring), then read each metric mention from its parts: a name ("RMSLE", "macro
F1") or a base error ("squared differences", "area under the curve", a formula) with its
modifiers (root, of logs, macro, quadratic, at K, column-wise). Mentions set aside by their
words (an example, a former metric, a reported result, a tie-break, "not") count less. The
reading says how sure it is: high from an evaluation part, medium from a sentence on scoring
elsewhere, low from a terse note or where two metrics are about as likely. A metric people are
scored on that mlwright cannot compute is read as such, with the nearest it can.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mlwright.task import metric_words as words
from mlwright.task.metrics import all_metrics

Confidence = Literal["high", "medium", "low"]
UNSTATED_K = "mean average precision at an unstated K"
TERSE_WORDS = 6  # outside any scoring context, only a note this short is read as a metric
NEAR = 40  # characters within which a setting-aside word ("pilot", "also report") applies


@dataclass(frozen=True)
class MetricReading:
    metric: str | None  # a canonical metric name; None when the scoring metric is unsupported
    confidence: Confidence
    evidence: str  # the words the reading rests on
    where: str  # "the Evaluation section", "a sentence on scoring", "the description"
    unsupported: str | None = None  # the metric named, where mlwright cannot compute it
    nearest: str | None = None  # the supported metric closest to an unsupported one
    others: tuple[str, ...] = ()  # other metrics mentioned, for the notes


@dataclass(frozen=True)
class _Clause:
    text: str  # as written
    sentence: str  # the sentence holding it, normalised
    passage: str  # the section or paragraph holding it, normalised


@dataclass(frozen=True)
class _Mention:
    key: str  # canonical metric name, or "?" + an unsupported metric's name
    weight: float
    weak: bool
    evidence: str
    nearest: str | None = None
    vague: bool = False  # a phrase that only looks like a metric name
    formula: bool = False  # read from a formula's signs, not from words


_TIERS: tuple[tuple[str, float, Confidence], ...] = (
    ("the Evaluation section", 3.0, "high"), ("a sentence on scoring", 2.0, "medium"),
    ("the description", 1.0, "low"))


def read_metric(description: str) -> MetricReading | None:
    """The metric a description scores submissions with, or None when it names none."""
    for (where, base, confidence), clauses in zip(_TIERS, _passages(description), strict=True):
        mentions = [m for clause in clauses for m in _mentions(clause, base, where)]
        if where == _TIERS[2][0]:
            mentions = [m for m in mentions if not m.weak]
        if any(m.weight > 0 for m in mentions):  # else all were set aside: look further
            return _decide(mentions, confidence, where, description)
    return None


# ---- where the text speaks of scoring -------------------------------------------------------
_HEADING = re.compile(r"^\s{0,3}(?:#{1,6}\s*(?P<hash>.+?)\s*#*\s*$|<h\d[^>]*>(?P<html>.+?)</h\d>"
                      r"|(?P<bold>(?:\*\*|__)[^*_]{2,60}(?:\*\*|__))\s*:?\s*$)")
_LABEL = re.compile(r"^\s*(?:\*\*|__)?(?P<label>[A-Za-z][A-Za-z /&()-]{2,40}?)(?:\*\*|__)?"
                    r"\s*(?:[:：=]|\.\s)(?:\*\*|__)?\s*(?P<rest>.*)$")
_UNDERLINE = re.compile(r"^\s*(?:=+|-{3,})\s*$")
_LATEX_HEADING = re.compile(r"^\s*\\(?:paragraph|(?:sub)*section|textbf)\*?\{([^}]*)\}\s*(.*)$")
_METRIC_TABLE = re.compile(r"\|\s*[\w ]{0,30}(?:metric|scor\w*|evaluat\w*|rank\w*|"
                           r"leaderboard)[\w ]{0,30}\|")
_IMPORT = re.compile(r"^\s*(?:from\s+[\w.]+\s+)?import\b|^\s*library\(")
_CONTINUES = re.compile(r"^\s*(?:is|are|this is|that is|which is|it is)\b", re.I)
_BULLET = re.compile(r"^\s*(?:[-*+•]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"(?<!\be\.g\.)(?<!\bi\.e\.)(?<!\bvs\.)(?<!\betc\.)(?<!\bal\.)"
                           r"(?<!\bcf\.)(?<!\bno\.)(?<=[.!?])\s+(?=[A-Za-z$\\(\[*`\"'])")
_ASSIGNMENT = re.compile(r"^\s*(?:\$\$|\\\[|[\w^{}\\ ]{1,30}=)")  # a formula line of its own
_SUBJECT = re.compile(r"^\s*(?:subject|re|fwd?|title)\s*:\s*(.*)$", re.I)
_LEADS_IN = re.compile(r"(?:[:]|\b(?:with|by|using|running|as|via|calls?|is))\s*$")
_CLAUSE_SPLIT = re.compile(r";|\s+(?:but|whereas|while)\s+|,\s*(?:but|whereas|while)\s+")


def _passages(text: str) -> tuple[list[_Clause], list[_Clause], list[_Clause]]:
    """Clauses of the evaluation parts; clauses on scoring elsewhere; terse notes anywhere."""
    sections, scoring, terse = [], [], []
    text = _ABBREVIATIONS_ANY_CASE.sub(lambda m: _ABBREVIATED[m.group(1).lower()], text)
    for is_evaluation, block in _blocks(text.replace("\r\n", "\n").split("\n")):
        passage = _normalised(" ".join(block))
        metric_table = bool(_METRIC_TABLE.search(passage))
        code_on_scoring = _on_scoring(passage)
        led_in = False  # the sentence before leads into this one ("... by running:")
        previous: list[_Clause] = []
        for sentence in _sentences(block):
            if _IMPORT.match(sentence):
                continue  # importing a metric's function is not using it
            normalised = _normalised(sentence)
            if _CONTINUES.match(sentence) and _on_scoring(normalised) and not is_evaluation:
                scoring += [c for c in previous if c not in scoring]  # "... is what we rank by"
            table_row = sentence.lstrip().startswith("|")
            code = bool(_ASSIGNMENT.match(sentence)) or sentence.startswith(("    ", "\t"))
            on_scoring = _on_scoring(normalised) and not table_row or (code and code_on_scoring)
            for clause in _clauses(sentence):
                item = _Clause(clause, normalised, passage)
                plain = _normalised(clause)
                if is_evaluation:
                    sections.append(item)
                elif on_scoring or led_in or (_is_formula(plain) and not table_row) \
                        or (metric_table and table_row):
                    scoring.append(item)
                elif len(clause.split()) <= TERSE_WORDS and not clause.lstrip().startswith("|"):
                    terse.append(item)
            led_in = on_scoring and bool(_LEADS_IN.search(normalised))
            previous = [_Clause(clause, normalised, passage) for clause in _clauses(sentence)]
    return sections, scoring, terse


def _is_formula(text: str) -> bool:
    return not text.lstrip().startswith("|") and bool(_OPERATORS.search(text)
                                                      and _formula_metric(text))


def _on_scoring(sentence: str) -> bool:
    plain = _without_names(sentence)
    return bool(words.SCORING.search(plain) or words.PREDICTIONS.search(plain))


def _blocks(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """The text cut at headings: (is an evaluation part, its lines). Inside a code fence a
    line is code: "# grader.py" is a comment, and each line stands alone."""
    blocks: list[tuple[bool, list[str]]] = [(False, [])]
    fenced = False
    for index, line in enumerate(lines):
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if fenced:
            blocks[-1][1].append("    " + line.strip())  # indented: a line of code
            continue
        following = lines[index + 1] if index + 1 < len(lines) else ""
        heading = _heading(line, following)
        if heading is not None:
            blocks.append((bool(words.EVALUATION_HEADING.search(heading)), []))
            continue
        if _UNDERLINE.match(line):
            continue
        subject = _SUBJECT.match(line)
        if subject:
            blocks.append((bool(words.EVALUATION_HEADING.search(subject.group(1))), [line]))
            continue
        latex = _LATEX_HEADING.match(line)
        if latex:
            blocks.append((bool(words.EVALUATION_HEADING.search(latex.group(1))),
                           [latex.group(2)]))
            continue
        label = _LABEL.match(line)
        if label and words.EVALUATION_HEADING.search(label.group("label")) \
                and len(label.group("label").split()) <= 4:
            blocks.append((True, [line]))
            continue
        blocks[-1][1].append(line)
    return blocks


def _heading(line: str, following: str) -> str | None:
    found = _HEADING.match(line)
    if found:
        return next(g for g in (found.group("hash"), found.group("html"), found.group("bold"))
                    if g)
    stripped = line.strip()
    if stripped and len(line.split()) <= 6 and _UNDERLINE.match(following):
        return line  # a setext heading: the line above ==== or ----
    if stripped and len(line.split()) <= 4 and stripped.rstrip(":").replace(" ", "").isalpha() \
            and (stripped.isupper() or words.EVALUATION_HEADING.search(stripped)):
        return line  # EVALUATION, or a short line such as "Scoring" above its text
    return None


def _sentences(lines: list[str]) -> list[str]:
    """Paragraphs joined across wrapped lines (bullets, table rows and code stay their own),
    then split into sentences."""
    paragraphs, current = [], []
    for line in lines:
        separate = _BULLET.match(line) or line.lstrip().startswith(("|", "`", "    ", "\t")) \
            or _ASSIGNMENT.match(line)
        if not line.strip() or separate:
            if current:
                paragraphs.append(" ".join(current))
            current = []
            if separate:
                paragraphs.append(line.strip())
            continue
        current.append(line.strip())
    if current:
        paragraphs.append(" ".join(current))
    return [s for p in paragraphs for s in _SENTENCE_END.split(p) if s.strip()]


def _clauses(sentence: str) -> list[str]:
    return [c for c in _CLAUSE_SPLIT.split(sentence) if c and c.strip()]


# ---- text as the patterns read it -----------------------------------------------------------
_LATEX = [(re.compile(r"\\(?:lvert|rvert|vert|lVert|rVert|mid)\b"), "|"),
          (re.compile(r"\\(?:text|mathrm|operatorname|mathit|textrm|mbox)\s*\{([^{}]*)\}"),
           r" \1 "), (re.compile(r"\\(sqrt|log|ln|sum|frac|exp|hat|left|right|cdot|times)"),
                      r" \1 "), (re.compile(r"[{}$]"), " "), (re.compile(r"\\_"), "_"),
          (re.compile(r"\\[,;:! ]"), " "), (re.compile(r"_\s+"), "_")]
_UNICODE = str.maketrans({"²": "^2", "–": "-", "—": "-", "−": "-", "’": "'", "√": " sqrt ",
                          "Σ": " sum ", "∑": " sum ", "·": "*", "×": "*", "\u00a0": " ",
                          "“": '"', "”": '"'})
_CALL = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+(?=\s*\()")  # f1_score( -> f1 score(
# MulticlassF1Score -> Multiclass F1 Score, logLoss -> log Loss; sMAPE stays
_CAMEL = re.compile(r"(?<=[a-z]{2})(?=[A-Z])|(?<=[0-9])(?=[A-Z][a-z])")
_OPERATORS = re.compile(r"[=|^/√∑]|\*\*|\bsqrt\b|\bfrac\b|\b(?:sum|mean|median|abs)\s*\(")
_WORD = re.compile(r"[a-z]{6,}")
_BACKTICKED = re.compile(r"`[A-Za-z0-9]+(?:_[A-Za-z0-9]+)+`")
_SNAKE = re.compile(r"\b[a-z][a-z0-9]+(?:_[a-z0-9]{2,})+\b")  # not a formula's a_t
_ABBREVIATED = {"sq": "squared", "abs": "absolute", "avg": "average", "err": "error"}
_ABBREVIATIONS = re.compile(r"\b(sq|abs|avg|err)\.(?=\s)")
_ABBREVIATIONS_ANY_CASE = re.compile(r"\b(sq|abs|avg|err)\.(?=\s)", re.I)


def _normalised(text: str) -> str:
    text = _CAMEL.sub(" ", text.translate(_UNICODE))
    for pattern, replacement in _LATEX:
        text = pattern.sub(replacement, text)
    # a column name in backticks keeps its words joined (`gps_rmse_m` names no metric); other
    # snake_case is code naming things (f1_score, neg_root_mean_squared_error, cohen_kappa)
    text = _BACKTICKED.sub(lambda m: m.group(0).replace("_", "0"), text)
    text = re.sub(r"\*\*(?!\s*\d)|__(?=\w)|(?<=\w)__|`", " ", text)  # emphasis, not powers
    text = _SNAKE.sub(lambda m: m.group(0).replace("_", " "), text.lower())
    text = _ABBREVIATIONS.sub(lambda m: _ABBREVIATED[m.group(1)], text)
    return _WORD.sub(lambda m: _spelled(m.group(0)), text)


def _spelled(word: str) -> str:
    """A metric word with one letter dropped, added, changed or swapped, put right."""
    if word in words.SPELLED:
        return word
    for known in words.SPELLED:
        if abs(len(known) - len(word)) <= 1 and _one_edit(word, known):
            return known + " " * (len(word) - len(known)) if len(word) > len(known) else known
    return word


def _one_edit(a: str, b: str) -> bool:
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        return len(diffs) == 1 or (len(diffs) == 2 and diffs[1] == diffs[0] + 1
                                   and a[diffs[0]] == b[diffs[1]] and a[diffs[1]] == b[diffs[0]])
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


# ---- mentions in a clause -------------------------------------------------------------------
def _name_patterns() -> list[tuple[str, re.Pattern[str]]]:
    patterns = []
    for metric in all_metrics():
        if metric.top_k is not None:
            continue
        for name in metric.names:
            body = r"[\s_-]*".join(re.escape(p) for p in re.split(r"[\s-]+", name))
            patterns.append((metric.name, re.compile(rf"(?<![a-z0-9_]){body}s?(?![a-z0-9_])")))
    patterns.append(("map@", re.compile(r"(?<![a-z0-9_])(?:m?ap|mean average precision)\s*"
                                        r"(?:@|at)\s*(?:k\b|\d{1,3})|mean average precision|"
                                        r"\bmapk\b")))
    return sorted(patterns, key=lambda p: -len(p[1].pattern))  # blank "macro f1" before "f1"


_NAMES = _name_patterns()
_WEAK_UNSUPPORTED = {"?" + u.named for u in words.UNSUPPORTED if u.weak}
_BY_PARTS = {m.parts: m.name for m in all_metrics() if m.top_k is None}
_PARTS_OF = {m.name: m.parts for m in all_metrics() if m.top_k is None}
_PARTS_BASE_METRIC = {"absolute_error": "mae", "squared_error": "rmse", "auc": "roc_auc",
                      "f1": "f1", "log_loss": "logloss", "accuracy": "accuracy", "r2": "r2",
                      "percentage_error": "mape"}
# which modifiers can change a metric built on each base; names take only the second set
_REFINES = {"squared_error": ({"root", "log", "columnwise", "scaled", "weighted"},
                              {"log", "columnwise", "scaled", "weighted"}),
            "absolute_error": ({"log", "median", "columnwise", "scaled", "weighted", "macro"},
                               {"log", "columnwise", "scaled", "weighted", "macro"}),
            "percentage_error": ({"symmetric", "weighted"}, {"weighted"}),
            "f1": ({"macro", "micro", "weighted", "samples"}, {"macro", "micro", "weighted",
                                                                "samples"}),
            "auc": ({"columnwise", "ovo", "weighted"}, {"columnwise", "ovo", "weighted"}),
            "kappa": ({"quadratic", "linear"}, {"quadratic", "linear"}),
            "log_loss": ({"macro", "weighted", "columnwise"}, {"macro", "weighted", "columnwise"}),
            "accuracy": ({"adjusted"}, {"adjusted"}), "r2": ({"adjusted"}, {"adjusted"})}
# modifiers that turn a supported base into a metric mlwright cannot compute
_BEYOND = {("auc", "ovo"): "a one-vs-one AUC", ("auc", "weighted"): "a class-weighted AUC",
           ("f1", "samples"): "F1 of predicted label sets (multi-label)",
           ("accuracy", "adjusted"): "an adjusted metric", ("r2", "adjusted"): "an adjusted metric",
           ("absolute_error", "macro"): "a macro-averaged absolute error",
           ("absolute_error", "weighted"): "a weighted error",
           ("squared_error", "weighted"): "a weighted error",
           ("percentage_error", "weighted"): "a weighted error",
           ("log_loss", "macro"): "a class-weighted log loss",
           ("log_loss", "weighted"): "a class-weighted log loss",
           ("log_loss", "columnwise"): "a column-wise mean of another metric",
           ("absolute_error", "columnwise"): "a column-wise mean of another metric"}


def _without_names(text: str) -> str:
    """The clause with metric names blanked: "F1 score" is no word on scoring."""
    for _, pattern in _NAMES:
        text = pattern.sub(lambda m: " " * len(m.group(0)), text)
    return text


def _mentions(clause: _Clause, base_weight: float, where: str) -> list[_Mention]:
    text = _normalised(clause.text)
    found = _longest(_name_hits(text) + _unsupported_hits(text) + _base_hits(text))
    weak_only = all(key in _WEAK_UNSUPPORTED for key, *_ in found)
    formula = _formula_metric(text) if _is_formula(text) else None
    if found and weak_only and formula:
        found.append((formula, len(text), len(text), "a formula"))  # F = 2PR / (P + R)
    elif not found:
        formula = _formula_metric(clause.sentence)
        if formula is None and _OPERATORS.search(text) and _formula_metric(clause.passage):
            formula = _formula_metric(clause.passage)  # a formula spread over several lines
            clause = _Clause(clause.text, clause.passage, clause.passage)
        found = [(formula, 0, len(text), "a formula")] if formula else []
    vague = False
    if not found and where != _TIERS[2][0]:
        unknown = words.UNKNOWN_METRIC.search(text)
        if unknown:
            found = [("?" + unknown.group(1).strip(), unknown.start(1), unknown.end(1),
                      unknown.group(1))]
            vague = True
    weight = base_weight
    if words.SCORING.search(_without_names(text)) and where == _TIERS[0][0]:
        weight += 1.0
    if words.PROMOTE_CLAUSE.search(text):
        weight += 1.0
    set_aside = [m.span() for m in words.SET_ASIDE_SENTENCE.finditer(text)]
    if not set_aside and words.SET_ASIDE_SENTENCE.search(clause.sentence):
        weight -= 1.5  # another clause of the sentence sets something aside
    modifiers = _modifiers(clause)
    mentions = []
    for index, (key, start, end, matched) in enumerate(found):
        rooted = bool(words.ROOT_BEFORE.search(text[:start])
                      or words.ROOT_AFTER.search(text[end:end + 160]))
        key, nearest = _refined(key, modifiers, text, clause.passage, rooted)
        if key is None or (key == "accuracy" and _is_prose(text, start, end)):
            continue
        own = weight
        if any(s - NEAR <= end and start <= e + NEAR for s, e in set_aside):
            own -= 3.5  # "the pilot round used MAE", "we also report RMSE"
        elif set_aside:
            own -= 1.5  # set aside further along the clause
        if words.SET_ASIDE_BEFORE.search(text[max(0, start - 40):start]):
            own -= 3.0
        if words.REPORTED_VALUE.search(text[end:end + 30]):
            own -= 2.5
        if index and words.EXPLAINS.search(text[found[index - 1][2]:start]):
            own -= 1.5  # explains the mention before it
        if vague:
            own -= 1.5  # any metric read from its words beats a phrase that looks like one
        weak = matched.strip() in words.WEAK_MATCHES or key.startswith("?") and any(
            key[1:] == u.named and u.weak for u in words.UNSUPPORTED)
        if not found[index][0].startswith("base:") and matched != "a formula":
            own += 0.5  # a metric's name says more than words that describe one
        mentions.append(_Mention(key, own, weak, _evidence(clause.text), nearest, vague,
                                 matched == "a formula"))
    return mentions


def _name_hits(text: str) -> list[tuple[str, int, int, str]]:
    return [(name, m.start(), m.end(), m.group(0)) for name, pattern in _NAMES
            for m in pattern.finditer(text)]


def _unsupported_hits(text: str) -> list[tuple[str, int, int, str]]:
    return [("?" + item.named, m.start(), m.end(), m.group(0)) for item in words.UNSUPPORTED
            for m in item.pattern.finditer(text)]


def _base_hits(text: str) -> list[tuple[str, int, int, str]]:
    hits = []
    for base, pattern in words.BASES:
        for m in pattern.finditer(text):
            if base == "gini" and "impurity" in text[m.end():m.end() + 12]:
                continue
            hits.append(("base:" + base, m.start(), m.end(), m.group(0)))
    return hits


def _longest(hits: list[tuple[str, int, int, str]]) -> list[tuple[str, int, int, str]]:
    """Overlapping hits: the longest wins ("root mean squared log error" over "mean squared"),
    a name before an unsupported word before a base at equal length."""
    rank = {True: 0, False: 1}
    ordered = sorted(hits, key=lambda h: (-(h[2] - h[1]), rank[not h[0].startswith(("?",
                                                                                  "base:"))],
                                          h[0].startswith("base:"), h[1]))
    kept: list[tuple[str, int, int, str]] = []
    for hit in ordered:
        if not any(hit[1] < k[2] and k[1] < hit[2] for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: h[1])


def _modifiers(clause: _Clause) -> set[str]:
    """Modifiers of the sentence (root, log, median, scaled) and of the passage (averaging,
    weights, symmetry); not those inside a named metric (the "log" of "log loss")."""
    sentence = _blank_metric_names(clause.sentence)
    passage = _blank_metric_names(clause.passage)
    found = {name for name, pattern in words.SENTENCE_MODIFIERS.items()
             if _affirmed(pattern, sentence)}
    found |= {name for name, pattern in words.PASSAGE_MODIFIERS.items()
              if _affirmed(pattern, passage)}
    found |= {name for name, pattern in words.FORMULA_MODIFIERS.items()
              if pattern.search(clause.passage)}
    if words.ONE_VS_REST.search(clause.passage):
        found.discard("columnwise")
    return found


def _affirmed(pattern: re.Pattern[str], text: str) -> bool:
    """The modifier is there and not negated ("NOT the root")."""
    return any(not words.NEGATED.search(text[max(0, m.start() - 30):m.start()])
               for m in pattern.finditer(text))


def _blank_metric_names(text: str) -> str:
    text = _without_names(text)
    return re.sub(r"log[- ]?los[se]|logarithmic los[se]|log[- ]?likelihood",
                  lambda m: " " * len(m.group(0)), text)


def _formula_metric(text: str) -> str | None:
    """A metric written as a formula: squares, roots, absolute values, logs, divisions."""
    signs = {name for name, pattern in words.FORMULA.items() if pattern.search(text)}
    if "cross_entropy" in signs:
        return "base:log_loss"
    for counted, metric in (("balanced", "balanced_accuracy"), ("mcc", "mcc"), ("f1", "f1"),
                            ("accuracy", "accuracy")):  # written with TP, FP, ... or P and R
        if counted in signs:
            return metric
    if "r2" in signs and "squared" in signs:
        return "r2"
    if "indicator" in signs and "summed" in signs:
        return "accuracy"
    if "weights" in signs and signs & {"absolute", "squared"}:
        return "?a custom cost or weighted error"
    if not ({"summed", "root", "median"} & signs):
        return None
    if "absolute" in signs:
        if "symmetric" in signs:
            return "smape"
        return "mape" if "percentage" in signs else "base:absolute_error"
    if "squared" in signs:
        return "base:squared_error"
    return None


def _refined(key: str, modifiers: set[str], text: str, passage: str,
             rooted: bool = False) -> tuple[str | None, str | None]:
    """The metric a mention names once the clause's modifiers are read with it. A name that
    already says how it averages ("macro F1") takes no other averaging; a root right before a
    name ("the square root of the MSLE") is its own."""
    if key.startswith("?"):
        item = next((u for u in words.UNSUPPORTED if "?" + u.named == key), None)
        if item is None:
            return key, None
        averaged = next((metric for modifier, metric in item.averaged if modifier in modifiers),
                        None)
        return (averaged, None) if averaged else (key, item.nearest)
    if key == "map@":
        k = _top_k(text) or _top_k(passage)
        return (f"map@{k}", None) if k else ("?" + UNSTATED_K, "map@K")
    is_base = key.startswith("base:")
    parts = {key[5:]} if is_base else set(_PARTS_OF.get(key, ()))
    base = next((p for p in parts if p in _REFINES), None)
    if base is not None and (is_base or parts <= {base, "root"}):
        parts |= modifiers & _REFINES[base][0 if is_base else 1]
    elif base is not None:  # a name that already says how it averages takes only these
        parts |= modifiers & _REFINES[base][1] & {"adjusted", "samples", "ovo", "scaled"}
    if rooted and base == "squared_error":
        parts.add("root")
    if {"macro", "weighted"} <= parts:
        parts.discard("macro")  # per-class scores averaged, weighted by support
    if "scaled" in parts:
        return "?a scaled or normalised error", None
    beyond = next((named for (b, modifier), named in _BEYOND.items()
                   if b == base and modifier in parts), None)
    if beyond is not None:
        return "?" + beyond, _PARTS_BASE_METRIC.get(base)
    if base == "kappa" and "quadratic" not in parts:
        return "?Cohen's kappa without quadratic weights", "qwk"
    if base == "log_loss" and parts & {"macro", "weighted"}:
        return "?a class-weighted log loss", "logloss"
    parts.discard("linear")
    if frozenset(parts) in _BY_PARTS:
        return _BY_PARTS[frozenset(parts)], None
    if base == "absolute_error" and "log" in parts:
        return "?mean absolute error of logarithms", "mae"
    if "columnwise" in parts:
        parts.discard("columnwise")
        return _BY_PARTS.get(frozenset(parts)), None  # e.g. one RMSE over all columns
    return _BY_PARTS.get(frozenset(parts - {"median", "macro", "micro", "weighted"})), None


def _top_k(text: str) -> int | None:
    found = words.K_IN_CLAUSE.search(text)
    return int(next(g for g in found.groups() if g)) if found else None


def _is_prose(text: str, start: int, end: int) -> bool:
    return any(m.start() <= start and end <= m.end() for m in
               words.ACCURACY_PROSE.finditer(text))


def _evidence(clause: str) -> str:
    tokens = clause.strip().split()
    return " ".join(tokens[:30]) + (" ..." if len(tokens) > 30 else "")


# ---- the decision ---------------------------------------------------------------------------
def _decide(mentions: list[_Mention], confidence: Confidence, where: str,
            description: str) -> MetricReading:
    if any(not m.weak and m.weight > 0 for m in mentions):
        mentions = [m for m in mentions if not m.weak]  # R2 the round beside balanced accuracy
    if any(not m.formula and m.weight > 0 for m in mentions):  # a name says more than signs
        mentions = [m for m in mentions if not m.formula]
    if any(m.key == "gini" and not m.weak for m in mentions):  # AUC is what Gini is made of
        mentions = [m for m in mentions if m.key != "roc_auc"]
    totals: dict[str, float] = {}
    for mention in mentions:
        best = max(totals.get(mention.key, float("-inf")), mention.weight)
        totals[mention.key] = best + (0.25 if mention.key in totals else 0.0)
    ranked = sorted(totals, key=lambda k: -totals[k])
    winner = ranked[0]
    margin = totals[winner] - (totals[ranked[1]] if len(ranked) > 1 else 0.0)
    chosen = max((m for m in mentions if m.key == winner), key=lambda m: m.weight)
    if totals[winner] <= 0 or (len(ranked) > 1 and margin < 1.0) or chosen.vague:
        confidence = "low"
    if winner == "?" + UNSTATED_K and k_from_text(description):
        winner = f"map@{k_from_text(description)}"
    others = tuple(k.lstrip("?") for k in ranked[1:])
    if winner.startswith("?"):
        return MetricReading(None, confidence, chosen.evidence, where, winner[1:],
                             chosen.nearest, others)
    return MetricReading(winner, confidence, chosen.evidence, where, others=others)


def k_from_text(description: str) -> int | None:
    """K of MAP@K where the text says it outside the metric's sentence ("up to 3 labels")."""
    found = words.K_IN_TEXT.search(description.lower())
    if not found:
        return None
    value = next(g for g in found.groups() if g)
    return int(value) if value.isdigit() else words.NUMBER_WORDS.get(value)
