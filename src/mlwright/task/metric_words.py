"""The words metric reading looks for, beside the names each Metric carries in the registry:
the parts a sentence describing a metric is made of (a base error and its modifiers), words
that place a sentence in the scoring or set a mention aside, and metrics people are scored on
that mlwright cannot compute, each with the nearest one it can."""

from __future__ import annotations

import re
from dataclasses import dataclass

# A heading (or a label such as "Evaluation:") that opens the part saying how entries are scored.
EVALUATION_HEADING = re.compile(
    r"evaluat|\beval\b|metric|scor(?:e|ed|ing)\b|assessment|judg|grading|how (?:we|you|"
    r"entries|submissions|models?) (?:will be |are |is )?(?:judged|scored|evaluated|ranked|"
    r"graded)|success criteri|leaderboard|performance measure|ranking", re.I)

# A sentence that says how entries are scored (rather than mentioning a metric in passing), or
# that speaks of predictions (a metric beside them is how they are judged).
SCORING = re.compile(
    r"evaluat\w*|\beval\b|\bscor(?:e|es|ed|ing)\b|\bgrad(?:e|ed|ing|er)\b|\bjudg\w*|"
    r"\brank(?:s|ed|ing)?\b|\bmetric|leaderboard|\bcriteri|\bwinners?\b|\bwinning\b|"
    r"\bstandings\b|(?:lower|higher|smaller|larger|bigger) (?:is|are|values? (?:is|are)|score "
    r"is)? ?better|\bsubmissions? (?:are|is|will)\b|\bwe(?:'ll| will)? (?:compute|calculate|"
    r"use|report|measure|take|look at|judge|pick|compare)\b|\bcompared? (?:on|with|by|using)\b|"
    r"\bselection\b|\blb\b|\bperformance is\b|\bis measured\b|\bcompute[sd]?\b|"
    r"\bcalculated?\b|\bplease use\b|\bagreed on\b")
PREDICTIONS = re.compile(r"\bpredict\w*|\bforecast\w*|\bestimat\w*|\bmodels?\b|\bsubmi\w*|"
                         r"\bentr(?:y|ies)\b|\bsystems?\b|\bclassifier|\bguess\w*|\bworkflows?\b|"
                         r"\bteams?\b|\bparticipants?\b|\bvendors?\b|\boutputs?\b|\bobserved\b|"
                         r"\bactual\b|\bground truth\b|\btrue (?:values?|labels?|class)|"
                         r"\bminimi[sz]|\bmaximi[sz]|\boptimi[sz]")

# Words before a mention that set it aside: an example, a negation, an alternative.
SET_ASIDE_BEFORE = re.compile(
    r"(?:e\.g\.?|for example|for instance|such as|instead of|rather than|unlike|\bnot\b|\bignore\b|"
    r"\bn't\b|\bnever\b|\bno longer\b|\bneither\b|\bnor\b|other than|as opposed to|"
    r"in place of|replac\w+|versus|\bvs\.?)\W*(?:\w+\W+){0,2}$")
# Words anywhere in a sentence that set its mentions aside: a former, trial or other-stage
# metric, a reported result, something shown for information only.
SET_ASIDE_SENTENCE = re.compile(
    r"\bpreviously\b|\bformerly\b|\bused to\b|\bin the past\b|\bwas replaced\b|\bhistoric|"
    r"tie[- ]?break|\bsecondary\b|\bfor reference\b|\bfor information\b|\binformational\b|"
    r"\bjust for\b|\bonly for (?:information|reference|monitoring)|\bdiagnostic\b|"
    r"\bmonitor\w*\b|\balso (?:report|show|compute|track|display|print|list|log)\w*|"
    r"\bphase (?:1|one|i)\b|\bstage (?:1|one|i)\b|\bfirst (?:stage|phase)\b|"
    r"\bwarm-?up\b|\bpractice round\b|\b(?:does|will|won't|do|don't) not (?:decide|count)\b|"
    r"\b(?:won't|doesn't|don't) (?:decide|count)\b|\bpilot (?:round|phase|stage|run|period|test)\b|"
    r"\bfor completeness\b|\bonly looked at\b|\boriginally\b|\bplanned to\b|\bnot (?:be )?used\b|"
    r"\bdo not (?:count|decide)|\bdon't (?:count|decide)|\bnot (?:part|counted|decisive)|"
    r"\bbaseline (?:paper|model)|\b(?:original|earlier|previous|prior) (?:paper|study|"
    r"studies|work|version|edition)|\bearlier (?:studies|work)|\bthesis\b|\bet al\b|"
    r"\bcitation\b|\bliterature\b|\bmisleading\b|\bno longer\b|\bconsidered\b|"
    r"\bthought about\b|\bdo not assume\b|\bduring training\b|\bfeel free\b|"
    r"\bold (?:pipeline|metric|system|version|leaderboard)\b|\bi'?d lean\b|\blean(?:ing)? "
    r"towards\b|\bcould make sense\b|\bneed to decide\b|\bcan we decide\b|\bundecided\b|"
    r"\bnot sure\b|\bnot yet chosen\b|\bwas used\b|\bearlier draft\b|\bwas a mistake\b|"
    r"\b(?:have not|haven't) (?:yet )?(?:chosen|decided|settled)|\bcandidates? (?:on the table|"
    r"are)\b|\buntil then\b|\blog both\b|\bappendix\b|"
    r"\blast (?:year|spring|summer|autumn|fall|winter|season|edition|round|time)\b|"
    r"\b(?:first|previous|earlier) (?:two |three )?editions?\b|\bnot (?:suitable|appropriate|"
    r"informative|useful)\b|\bunsuitable\b|\binappropriate\b|\|\s*no\s*\|\s*$|\btbd\b|"
    r"\bto be (?:announced|decided|confirmed)|\bnot (?:yet )?(?:decided|announced|final)")
PROMOTE_CLAUSE = re.compile(
    r"\bfinal (?:standings|leaderboard|ranking|evaluation|score)|\bofficial\b|\bprimary\b|"
    r"\bprivate leaderboard\b|\b(?:will be|are|is) (?:evaluated|scored|ranked|judged|graded)|"
    r"\bevaluation metric\b|\bscoring metric\b|\bmain metric\b|\bnow\b|\bcurrently\b|"
    r"\bfrom now on\b|\binstead\b|\bdecides?\b|\bcounts? for\b|\bfrom this (?:sprint|season|"
    r"year|edition|round|release)\b|\|\s*yes\s*\|\s*$|^\s*(?:score|leaderboard|metric|result|"
    r"lb|final_score|scoring)\s*[=:]|\breturn\b")
# A mention followed by a value is a reported result ("an F1 score of 0.61"), not a rule.
REPORTED_VALUE = re.compile(r"^\W{0,3}(?:score\s+)?(?:of|was|is|were|reached|around|about|near|"
                            r"at)\s+(?:about\s+|around\s+|~\s*|only\s+)?\d+(?:[.,]\d+)?\s*%?"
                            r"(?!\s*/)|^\s*[=:]\s*\d*\.\d+")
# Between two mentions: the second explains the first ("Gini (= 2 AUC - 1)", "which equals").
EXPLAINS = re.compile(r"=|\bequals?\b|\bequal to\b|\bi\.e\.|\bwhich is\b|\bdefined as\b|"
                      r"\bthat is\b|\bequivalent\b|\bsame as\b|\brelated to\b|\bderived\b")

# Background words around "accuracy" that are not a metric: 90% accuracy, the Accuracy Prize.
ACCURACY_PROSE = re.compile(
    r"\d+(?:\.\d+)?\s*%\s*(?:of\s+)?(?:the\s+)?accuracy|accuracy\s+(?:of|around|near|above|"
    r"below|over|under|about)\s+(?:~\s*)?\d|accuracy (?:prize|award|track|bonus|flag|mode)|"
    r"(?:high|higher|greater|better|improv\w*|increas\w*|more|great|poor|low|lower|limited|"
    r"reasonable|good|sufficient|clinical|forecast|diagnostic|human|expert|location)"
    r"\W+(?:\w+\W+)?accuracy|accuracy (?:is|was) (?:important|critical|key|limited)")

# The parts of a described metric: its base error ...
BASES: list[tuple[str, re.Pattern[str]]] = [
    ("log_loss", re.compile(r"log[- ]?los[se]\b|logarithmic los[se]\b|cross[- ]?entropy|"
                            r"log[- ]?likelihood")),
    ("percentage_error", re.compile(r"percent(?:age|ual)? (?:absolute )?(?:error|deviation|"
                                    r"difference)|relative (?:absolute )?(?:error|deviation)")),
    ("squared_error", re.compile(r"squared? (?:\w+ ){0,3}(?:error|difference|deviation|"
                                 r"residual|loss)s?|squares? of (?:the )?(?:\w+ ){0,2}(?:error|"
                                 r"difference|residual)s?")),
    ("absolute_error", re.compile(r"absolute (?:(?!percent)\w+ ){0,2}(?:error|difference|"
                                  r"deviation|residual)s?|absolute value of (?:the )?(?:\w+ ){0,2}"
                                  r"(?:error|difference)s?")),
    ("auc", re.compile(r"area under (?:the )?(?:\w+ ){0,3}curve|\bauc\b|\bauroc\b|"
                       r"\broc\b")),
    ("accuracy", re.compile(r"\baccuracy\b|\bacc\b|(?:share|fraction|proportion|percentage|"
                            r"percent|rate|number) of (?:\w+ ){0,5}(?:correct(?:ly)?|right)\b|"
                            r"(?:share|fraction|proportion|percentage|percent|number) of "
                            r"(?:\w+ ){0,4}(?:whose|where|that|which|for which) (?:\w+ ){0,4}"
                            r"(?:match|matches|equal|equals|agree|agrees)\b|correctly "
                            r"(?:classified|predicted|labell?ed)|\berror rate\b|"
                            r"misclassification (?:rate|error)|classification error|count (?:how "
                            r"many|the number of) (?:\w+ ){0,5}(?:correct|right)")),
    ("f1", re.compile(r"\bf[- ]?1\b|\bf\s*_\s*1\b|\bf[-_ ]?meas\b|\bf[- ]?(?:score|measure)\b|"
                      r"harmonic mean of "
                      r"(?:the )?precision and recall")),
    ("kappa", re.compile(r"\bkappa\b|\bkap\b")),
    ("mcc", re.compile(r"matt?hews?'? (?:correlation|coefficient|corr)|\bphi coefficient")),
    ("r2", re.compile(r"coef\w*\.? of determination|\br\s?\^\s?2\b|\br²|\br[- ]?squared?\b|"
                      r"\br2\b")),
    ("gini", re.compile(r"normali[sz]ed gini|gini coefficient|\bgini\b")),
]
# ... and its modifiers. Those of a sentence: root, log, median. Those of the whole passage:
# how scores are averaged (over classes, over targets), kappa's weights, symmetry.
SENTENCE_MODIFIERS: dict[str, re.Pattern[str]] = {
    "root": re.compile(r"\broot\b|\bsqrt\b|square root|\^\s*\(?\s*(?:1\s*/\s*2|0?\.5)\b|"
                       r"\*\*\s*0?\.5"),
    "log": re.compile(r"\blog1p\b|\blog\s*[_\d]*\s*\(|\blog\s*\[|\bln\s*\(|\blogarithm\w*|"
                      r"\blog[- ](?:scale|space|domain|transform\w*)|\blog of\b|\blogs of\b|"
                      r"\blog\s+(?:1\s*\+|\(\s*1|the\b|predicted|actual|observed|true|"
                      r"target|price|sales|value)|\blogged\b|\blog[- ]?values?\b|"
                      r"\blog[- ]?(?:error|differences?)\b|\bln\b"),
    "median": re.compile(r"\bmedian\b"),
    "scaled": re.compile(r"\bnormali[sz]\w*|\bscaled\b|\bdivided by (?:the )?(?:range|mean|"
                         r"std|standard deviation|variance|naive|in-sample|seasonal)"),
}
PASSAGE_MODIFIERS: dict[str, re.Pattern[str]] = {
    "macro": re.compile(r"\bmacro\b|unweighted (?:mean|average)|(?:averag\w*|mean) (?:\w+ ){0,3}"
                        r"(?:over|across|of) (?:all |the |each )*(?:\d+ )?(?:classes|"
                        r"categories|species|class)|(?:per|each|every)[- ](?:of (?:the )?)?"
                        r"(?:\d+ |\w+ ){0,2}(?:class|classes|categor\w+)\b.{0,80}(?:averag|mean)|"
                        r"(?:averag\w*|mean).{0,60}(?:per|each|every)[- ](?:class|category)|"
                        r"each class equally|equal weight to each class|"
                        r"frac\s*1\s*k\b"),
    "micro": re.compile(r"\bmicro\b|global(?:ly)?\b|pooled|over all (?:predictions|rows|"
                        r"samples|instances|classes)|\\mu\b|\^\s*mu\b|summed over all classes|"
                        r"(?:add|sum|total|pool)\w* (?:up )?(?:the )?(?:\w+ ){0,2}true positives"),
    "weighted": re.compile(r"(?<!equally )\bweighted\b(?! kappa)(?! equally)(?! (?:harmonic )?"
                           r"(?:average|mean) of (?:the )?precision)|support[- ]weighted|"
                           r"weighted by (?:the )?(?:support|number|class frequency)|weights? "
                           r"proportional to"),
    "quadratic": re.compile(r"\bquadratic\w*|\bqwk\b|squared (?:weights|distance)|"
                            r"\(\s*i\s*-\s*j\s*\)\s*(?:\^\s*2|\*\*\s*2)"),
    "linear": re.compile(r"\blinear(?:ly)?[- ]weight|weights?\s*=\s*['\"]linear|\blinear\b"),
    "symmetric": re.compile(r"\bsymmetric\w*"),
    "samples": re.compile(r"average\s*=\s*['\"]?samples|per[- ](?:sample|row|document|example)"
                          r" f1|samples?[- ]averaged"),
    "ovo": re.compile(r"\bovo\b|one[- ]vs[- ]one|one[- ]versus[- ]one"),
    "adjusted": re.compile(r"adjusted\s*=\s*true|\badjusted\b"),
    "columnwise": re.compile(
        r"column[- ]?wise|(?:averag\w*|mean) (?:\w+ ){0,4}(?:over|across|of) (?:all |the |"
        r"each |every )*(?:\d+ |\w+ )?(?:per[- ])?(?:target|output|column|response|label|task|"
        r"dimension)s?"
        r"\b|(?:each|every|all|per)[- ](?:of the )?(?:\d+ |\w+ )?(?:target|output|column|label|"
        r"dimension)s?\b.{0,120}(?:averag|mean)|(?:each|every) of (?:the )?\w+ [\w-]+ (?:\w+ )?"
        r"(?:is|are) treated as (?:a |an )?(?:separate|independent) (?:binary )?(?:task|"
        r"target)|(?:averag|mean).{0,80}(?:each|every|all|per)"
        r"[- ](?:\d+ )?(?:target|output|column|dimension)s?\b|\[\s*:\s*,\s*[a-z]\s*\]|"
        r"one column per (?!class)"),
}
# Averaging written as a formula, read where metric names are still in place: AUC_j over
# target columns j, F1_k over classes k, weights n_k / N.
FORMULA_MODIFIERS: dict[str, re.Pattern[str]] = {
    "columnwise": re.compile(r"(?:auc|rmse|error)\s*_\s*\{?\s*[jt]\b|\[\s*:\s*,\s*[a-z]\s*\]|"
                             r"mean\s*\(\s*\[.*\bfor\s+\w+\s+in\s+\w*(?:target|col|label|"
                             r"output)|\by\s*_\s*\{?\s*ij\b.*\bsqrt\b|"
                             r"\bsqrt\b.*\by\s*_\s*\{?\s*ij\b"),
    "macro": re.compile(r"f1\s*_\s*\{?\s*[kc]\b"),
    "weighted": re.compile(r"\bn\s*_\s*\{?k\}?\s*/\s*n\b|frac\s*n\s*_?\s*k\s*n\b"),
}
# Averaging over classes one-vs-rest is a multi-class AUC, not a mean over target columns.
ONE_VS_REST = re.compile(r"\bovr\b|one[- ]vs[- ]rest|one[- ]versus[- ]rest|one[- ]against")
# "root of" right before a name takes its root ("the square root of the MSLE").
ROOT_BEFORE = re.compile(r"(?:root of (?:the )?(?:\w+'?s? ){0,2}|sqrt\s*\(\s*(?:[\w.:]+\.)?)$")
ROOT_AFTER = re.compile(r"^\s*\([^)]{0,120}squared\s*=\s*false")

# Formula signs in plain text or LaTeX: squares, roots, absolute values, divisions by the truth.
FORMULA = {
    "squared": re.compile(r"\^\s*\{?\s*2\b|\*\*\s*2\b|\bsquared?\b|²|\bsumxmy2\b|\bsumsq\b"),
    "root": re.compile(r"\bsqrt\b|√|square root|\^\s*\{?\s*\(?\s*(?:1\s*/\s*2|0?\.5)"),
    "absolute": re.compile(r"\babs\s*\(|\|\s*[a-z(][^|\n]{0,60}-\s*[a-z(][^|\n]{0,60}\||absolute"),
    "percentage": re.compile(r"\|\s*\([^|)]{1,40}\)\s*/\s*\w+\s*\||"
                             r"\|[^|\n]{1,60}\|\s*/\s*\|?\s*(?:y|a|actual|true|truth|obs)"
                             r"|/\s*\|?\s*(?:y|a)_?\{?i\}?\s*\|?\s*\)?\s*(?:\*\s*100|\))|"
                             r"percent"),
    "symmetric": re.compile(r"\(\s*\|[^|\n]+\|\s*\+\s*\|[^|\n]+\|\s*\)|symmetric|\(\s*(?:np\.)?"
                            r"abs\s*\([^)]*\)\s*\+\s*(?:np\.)?abs\s*\("),
    "summed": re.compile(r"\bsum\b|\bmean\b|1\s*/\s*n\b|\bfrac\b|σ|∑|\baverage\b|\bavg\b|"
                         r"/\s*count\s*\("),
    "r2": re.compile(r"\b1\s*-\s*(?:frac\b|\(?\s*sum\b|ss)|\bbar\s*\{?\s*y|\by\s*\\?bar\b"),
    "balanced": re.compile(r"(?:sensitivity|tpr|recall)\s*\+\s*(?:specificity|tnr)\b|"
                           r"tp\s*/\s*\(\s*tp\s*\+\s*fn\s*\)\s*\+\s*tn\s*/"),
    "median": re.compile(r"\bmedian\b"),
    "cross_entropy": re.compile(r"log\s*\(?\s*1\s*-\s*\\?(?:hat)?\{?\s*(?:p|y|q)|"
                                r"(?:y|t)\s*_?\s*\{?\s*i\s*j?,?\s*\}?\s*\\?(?:cdot|\*|\s)*\\?log\s*"
                                r"\(?\s*\\?(?:hat)?\{?\s*(?:p|y|q)"),
    "accuracy": re.compile(r"\(\s*tp\s*\+\s*tn\s*\)\s*/"),
    "mcc": re.compile(r"tp\s*[*·]?\s*tn\s*-\s*fp\s*[*·]?\s*fn"),
    "f1": re.compile(r"2\s*[*·]?\s*p\s*[*·]?\s*r\s*/\s*\(\s*p\s*\+\s*r\s*\)|2\s*[*·]?\s*tp\s*/\s*\("
                     r"\s*2\s*[*·]?\s*tp"),
    "weights": re.compile(r"\bw\s*_\s*\{?i\}?\b|\bweights?\b"),
    "indicator": re.compile(r"(?:mathbb\s*1|\b1|\bi|indicator)\s*[\[(]\s*\\?(?:hat\s*)?y\w*"
                            r"\s*(?:_\s*\w+\s*)?=\s*y"),
}

# Metric words that also name other things (R2 the round, accuracy the virtue, Gini the
# impurity): they count only where nothing stronger is read.
WEAK_MATCHES = frozenset({"accuracy", "acc", "r2", "r^2", "r²", "gini"})


@dataclass(frozen=True)
class Unsupported:
    named: str  # how the message names it
    pattern: re.Pattern[str]
    nearest: str | None  # the supported metric closest in what it rewards
    weak: bool = False  # counts only where no other metric is mentioned
    averaged: tuple[tuple[str, str], ...] = ()  # (modifier, the supported metric it makes)


UNSUPPORTED: list[Unsupported] = [
    Unsupported("Dice coefficient", re.compile(r"\bdice\b|sørensen|sorensen"), "f1"),
    Unsupported("intersection over union (Jaccard)", re.compile(
        r"\biou\b|intersection over union|jaccard"), "f1"),
    Unsupported("F-beta with beta other than 1", re.compile(
        r"\bf[- ]?(?:2|0?\.5|beta)\b(?![\d:])(?:[- ]?(?:score|measure))?|\bf\s*\\?beta"), "f1"),
    Unsupported("an adjusted metric", re.compile(
        r"adjusted r\s?(?:\^\s?2|²|2|-?squared)|adjusted balanced accuracy"), "r2"),
    Unsupported("BLEU", re.compile(r"\bbleu\b"), None),
    Unsupported("ROUGE", re.compile(r"\brouge(?:-\w+)?(?:\s+(?:f[- ]?(?:measure|score|1)|"
                                    r"recall|precision))?"), None),
    Unsupported("word or character error rate", re.compile(
        r"\b[wc]er\b|word error rate|character error rate"), None),
    Unsupported("edit (Levenshtein) distance", re.compile(r"levenshtein|edit distance"), None),
    Unsupported("Pearson correlation", re.compile(r"pearson"), "r2"),
    Unsupported("Spearman correlation", re.compile(r"spearman"), "r2"),
    Unsupported("Kendall's tau", re.compile(r"kendall"), "r2"),
    Unsupported("concordance index", re.compile(r"concordance|\bc-?index\b"), "roc_auc"),
    Unsupported("a correlation coefficient", re.compile(
        r"(?<!matthews )(?<!matthews' )(?<!mathews )correlation(?: coefficient)?\b"), "r2",
        weak=True),
    Unsupported("NDCG", re.compile(r"\bn?dcg\b|discounted cumulative gain"), "map@K"),
    Unsupported("mean reciprocal rank", re.compile(r"reciprocal rank|\bmrr\b"), "map@K"),
    Unsupported("pinball (quantile) loss", re.compile(r"pinball|quantile loss"), "mae"),
    Unsupported("Huber loss", re.compile(r"\bhuber\b|smooth[- ]?l1"), "mae"),
    Unsupported("a deviance", re.compile(r"\bdeviance\b"), "rmse"),
    Unsupported("explained variance", re.compile(r"explained[- ]variance"), "r2"),
    Unsupported("a distance between locations", re.compile(
        r"haversine|great[- ]circle|geodesic|euclidean distance"), None),
    Unsupported("CRPS", re.compile(r"\bcrps\b|continuous ranked probability"), None),
    Unsupported("Brier score", re.compile(r"\bbrier\b"), "logloss"),
    Unsupported("a true positive rate at a fixed false positive rate", re.compile(
        r"\btpr\s*(?:@|at)|true positive rate (?:at|when)"), "roc_auc"),
    Unsupported("precision or recall at K", re.compile(
        r"(?:precision|recall|hit rate)\s*(?:@|at)\s*(?:k\b|\d)|top[- ]?(?:k|[2-9]|\d\d+) "
        r"(?:accuracy|error)|hits?\s*@\s*\d"), "map@K"),
    Unsupported("partial AUC", re.compile(r"partial (?:area under (?:the )?(?:\w+ ){0,3}curve|"
                                          r"auc)|\bpauc\b"), "roc_auc"),
    Unsupported("average precision (area under the precision-recall curve)", re.compile(
        r"(?<!mean )average precision(?!\s*(?:@|at\s*\d))|\bpr[- ]auc\b|\bauprc\b|area under "
        r"(?:the )?precision[- ]recall"), "roc_auc"),
    Unsupported("F1 of predicted label sets (multi-label)", re.compile(
        r"f1 (?:score )?between (?:your |the )?predicted (?:set|labels?)|per[- ](?:sample|row|"
        r"example|document) f1|samples?[- ]averaged f1"), "f1"),
    Unsupported("Hamming loss", re.compile(r"hamming"), "accuracy"),
    Unsupported("perplexity", re.compile(r"perplexity"), None),
    Unsupported("PSNR or SSIM", re.compile(r"\bpsnr\b|\bssim\b"), None),
    Unsupported("a scaled or normalised error", re.compile(
        r"scaled error|\bmase(?:_\w)?\b|\brmsse\b|\bwrmsse\b|\bnrmse\b|normali[sz]ed (?:rmse|"
        r"root|mae|"
        r"mean)"), None),
    Unsupported("a weighted error", re.compile(r"\bwape\b|\bwmape\b|weighted mape"), "mae"),
    Unsupported("a custom cost or weighted error", re.compile(
        r"cost matrix|(?:average|mean|total) (?:\w+ )?cost\b|misclassification cost|weighted "
        r"(?:mean )?(?:absolute|squared) error|\bwmae\b"), None),
    Unsupported("precision", re.compile(r"\bprecision\b"), "f1", weak=True),
    Unsupported("recall (sensitivity)", re.compile(r"\brecall\b|\bsensitivity\b|"
                                                   r"\bspecificity\b|true positive rate"),
                "f1", weak=True, averaged=(("macro", "balanced_accuracy"),)),
]
# A metric-like noun phrase in a sentence on scoring that no word above names.
UNKNOWN_METRIC = re.compile(r"\b(?:by|on|with|using|is|via|uses|use)\s+(?:the\s+|a\s+|an\s+)?"
                            r"((?:[a-z'-]+ ){0,3}(?:loss|error|distance|deviance|index|"
                            r"coefficient|variance|profit|cost|revenue|utility|reward))\b")
# A modifier right after a negation is none ("NOT the root", "not a per-column average").
NEGATED = re.compile(r"(?:\bnot\b|\bno\b|n't|\bwithout\b)\W+(?:\w+\W+){0,2}$")

NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "twelve": 12, "twenty": 20}
K_IN_CLAUSE = re.compile(r"@\s*\{?\s*(\d{1,3})|\bat\s*(?:k\s*=\s*)?(\d{1,3})\b|\bk\s*=\s*(\d{1,3})"
                         r"|\btop[- ]?(\d{1,3})\b|k\s*=\s*1\s*\.\.\s*(\d{1,3})")
K_IN_TEXT = re.compile(r"\bmap\s*@\s*(\d{1,3})|\bmapk\s*\([^)]*\bk\s*=\s*(\d{1,3})|"
                       r"up to (\d{1,3}|one|two|three|four|five|ten|"
                       r"twelve) (?:\w+ )?(?:labels|predictions|guesses|answers|classes|"
                       r"categories|values|items|species|names)|(\d{1,3}|three|five|ten) "
                       r"(?:space[- ]separated |ranked |ordered )?(?:labels|predictions|"
                       r"guesses) (?:per|for each)")

# Words of metric names that a typo may bend ("sqaured", "Coeficient", "Mathews").
SPELLED = ("squared", "absolute", "percentage", "logarithmic", "logarithm", "coefficient",
           "determination", "accuracy", "precision", "matthews", "correlation", "average",
           "averaged", "entropy", "quadratic", "weighted", "balanced", "symmetric", "median",
           "deviation", "receiver", "operating", "characteristic", "evaluated", "evaluation")
