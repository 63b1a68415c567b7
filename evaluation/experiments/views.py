"""`make nlu-views`: which views of a message the classifier uses, chosen without the held-out file.

Prints, for the baseline and each variant (scikit-learn on the same views as
components/tfidf_intent_classifier.py, spaCy fr_core_news_md loaded as config.yml's LeanSpacyNLP:
lookup lemmas; one row with the rule lemmas of spaCy's tagger, as shipped before):
- dev: trained on data/nlu without the two rounds written apart (independent_phrasings.yml,
  independent_borders.yml), predicting round 1; then trained with round 1, predicting round 2;
- 5-fold stratified cross-validation on all of data/nlu;
- round 3 (docs/experiments/independent_round3.yml, written apart and never trained on): trained
  on all of data/nlu.
Accuracy and macro-F1, no fallback. Then the softmax temperature of the shipped SVM's scores,
chosen on its out-of-fold cross-validation scores (the least log-loss), with the calibration of both
models there. docs/measurements-nlu.md, « Measured quality ».
"""
from __future__ import annotations

import logging
import os
import sys
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
import yaml  # noqa: E402
from scipy.optimize import minimize_scalar  # noqa: E402
from scipy.sparse import csr_matrix, hstack  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from analytics.config import DEFAULT_LOW_CONFIDENCE  # noqa: E402
from components.concepts import ConceptLexicon  # noqa: E402
from components.fast_tfidf import class_scores, softmax  # noqa: E402
from components.spacy_nlp import UNUSED_PIPES, load_pipeline  # noqa: E402
from evaluation.paths import ROOT
from evaluation.scoring import load_examples  # noqa: E402

NLU = ROOT / "data" / "nlu"
ROUNDS = [NLU / "independent_phrasings.yml", NLU / "independent_borders.yml"]
ROUND_3 = ROOT / "docs" / "experiments" / "independent_round3.yml"
PIPELINES = {lemmatizer: load_pipeline("fr_core_news_md", UNUSED_PIPES, lemmatizer).model
             for lemmatizer in ("lookup", "rule")}
_docs: dict = {}


def tokens(texts, lemmatizer="lookup"):
    """As served: Rasa's SpacyNLP (case_sensitive: false) gives spaCy the lower-cased text."""
    docs = _docs.setdefault(lemmatizer, {})
    missing = [t for t in dict.fromkeys(texts) if t not in docs]
    for text, doc in zip(missing, PIPELINES[lemmatizer].pipe([t.lower() for t in missing])):
        docs[text] = [(w.lower_, w.lemma_.lower(), w.vector, w.has_vector and not (w.is_stop or w.is_punct))
                      for w in doc if not w.is_space]
    return [docs[t] for t in texts]


def tfidf_view(analyzer, ngrams, text_of=lambda texts: texts, token_pattern=r"(?u)\b\w\w+\b"):
    def view(train, test):
        v = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True, strip_accents="unicode",
                            token_pattern=token_pattern)
        v.fit(text_of(train))
        return v.transform(text_of(train)), v.transform(text_of(test))
    return view


def lemmas(texts, lemmatizer="lookup"):
    return [" ".join(w[1] for w in doc) for doc in tokens(texts, lemmatizer)]


def vectors(weighted: bool):
    def view(train, test):
        idf = {}
        if weighted:
            counter = TfidfVectorizer(analyzer=lambda ws: ws).fit([[w[0] for w in d] for d in tokens(train)])
            idf = dict(zip(counter.get_feature_names_out(), counter.idf_))
        unseen = max(idf.values(), default=1.0)

        def embed(texts):
            rows = []
            for doc in tokens(texts):
                kept = [(idf.get(w[0], unseen), w[2]) for w in doc if w[3]] if weighted else [(1.0, w[2]) for w in doc]
                rows.append(sum(a * v for a, v in kept) / sum(a for a, _ in kept) if kept else np.zeros(300))
            return csr_matrix(normalize(np.vstack(rows)))
        return embed(train), embed(test)
    return view


WORDS, CHARS = tfidf_view("word", (1, 2)), tfidf_view("char_wb", (2, 5))
LEMMAS = tfidf_view("word", (1, 2), lemmas)
RULE_LEMMAS = tfidf_view("word", (1, 2), lambda texts: lemmas(texts, "rule"))
LEXICON = ConceptLexicon.from_file()
CONCEPTS = tfidf_view("word", (1, 2), lambda texts: [LEXICON.rewrite(t) for t in texts], r"\S+")


def scaled(view, weight):
    def scaled_view(train, test):
        a, b = view(train, test)
        return a * weight, b * weight
    return scaled_view


SHIPPED = [WORDS, CHARS, LEMMAS, vectors(True), scaled(CONCEPTS, 1.5)]


def crammer_singer(C):
    return lambda: LinearSVC(C=C, multi_class="crammer_singer", random_state=0, max_iter=3000)


LOGISTIC = lambda: LogisticRegression(C=30, max_iter=3000, solver="newton-cg")  # noqa: E731
SHIPPED_MODEL = crammer_singer(1.0)
VARIANTS = {
    "baseline: words 1–2 + char_wb 2–5, LR C=10": ([WORDS, CHARS], lambda: LogisticRegression(C=10, max_iter=3000)),
    "+ mean of all word vectors, LR C=30 (previous)": ([WORDS, CHARS, vectors(False)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ IDF-weighted content-word vectors, LR C=30": ([WORDS, CHARS, vectors(True)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ lookup lemmas 1–2, LR C=30": ([WORDS, CHARS, LEMMAS], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ tagger's lemmas + IDF-weighted vectors (earlier)": ([WORDS, CHARS, RULE_LEMMAS, vectors(True)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ lookup lemmas + IDF-weighted vectors (before)": ([WORDS, CHARS, LEMMAS, vectors(True)], LOGISTIC),
    "+ concepts (lexicon), weight 1": ([WORDS, CHARS, LEMMAS, vectors(True), CONCEPTS], LOGISTIC),
    "+ concepts, weight 1.5, LR C=30 (shipped before)": (SHIPPED, LOGISTIC),
    "+ concepts, weight 2": ([WORDS, CHARS, LEMMAS, vectors(True), scaled(CONCEPTS, 2.0)], LOGISTIC),
    "same views, one-vs-rest linear SVM C=1": (SHIPPED, lambda: LinearSVC(C=1.0)),
    "same views, Crammer-Singer SVM C=0.3": (SHIPPED, crammer_singer(0.3)),
    "same views, Crammer-Singer SVM C=1 (shipped)": (SHIPPED, SHIPPED_MODEL),
    "same views, Crammer-Singer SVM C=1, concepts weight 2": (
        [WORDS, CHARS, LEMMAS, vectors(True), scaled(CONCEPTS, 2.0)], SHIPPED_MODEL),
}


def fit(views, make, train, train_y, test):
    parts = [view(train, test) for view in views]
    with warnings.catch_warnings():  # liblinear's false ConvergenceWarning (tfidf_intent_classifier.py)
        warnings.simplefilter("ignore", ConvergenceWarning)
        model = make().fit(hstack([a for a, _ in parts]).tocsr(), train_y)
    return model, hstack([b for _, b in parts]).tocsr()


def fit_predict(views, make, train, train_y, test):
    model, features = fit(views, make, train, train_y, test)
    return model.predict(features)


def shipped_temperature() -> float:
    config = yaml.safe_load((ROOT / "config.yml").read_text())
    return next(c["temperature"] for c in config["pipeline"] if c["name"].endswith("TfidfIntentClassifier"))


def calibration(texts, intents):
    """Out-of-fold confidences (5-fold CV) of the regression shipped before (as it was, and at its own
    temperature of least log-loss) and of the shipped SVM at its temperature of least log-loss;
    prints the temperatures, log-loss, expected calibration error, accuracy at config.yml's fallback
    threshold (a fallback counts as an error), and the console's low-confidence threshold that flags
    the share of errors that 0.6 flagged with the regression."""
    from evaluation.scoring import fallback_threshold

    classes = np.array(sorted(set(intents)))
    truth = np.searchsorted(classes, intents)
    regression, scores = np.zeros((len(intents), len(classes))), np.zeros((len(intents), len(classes)))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(texts, intents):
        for make, out, read in ((LOGISTIC, regression, lambda m, x: m.predict_proba(x)),
                                (SHIPPED_MODEL, scores, class_scores)):
            model, features = fit(SHIPPED, make, list(texts[train]), intents[train], list(texts[test]))
            out[test] = read(model, features)

    def log_loss(probabilities):
        return -np.mean(np.log(np.clip(probabilities[np.arange(len(truth)), truth], 1e-12, 1)))

    def least_log_loss(scores):
        return minimize_scalar(lambda t: log_loss(softmax(scores, t)), bounds=(0.01, 5), method="bounded").x

    temperature = least_log_loss(scores)
    regression_scores = np.log(np.clip(regression, 1e-300, 1))  # its softmax at temperature 1 is itself
    regression_temperature = least_log_loss(regression_scores)
    threshold, configured = fallback_threshold(), shipped_temperature()
    print(f"softmax temperature of the SVM's scores, by the log-loss of 5-fold CV: {temperature:.3f}")
    shipped = softmax(scores, configured)
    for name, probabilities in (("LR C=30 (shipped before)", regression),
                                (f"LR, temperature {regression_temperature:.3f}",
                                 softmax(regression_scores, regression_temperature)),
                                (f"SVM, temperature {temperature:.3f}", softmax(scores, temperature)),
                                (f"SVM, temperature {configured} (config.yml)", shipped)):
        confidence, right = probabilities.max(axis=1), probabilities.argmax(axis=1) == truth
        bins = np.minimum((confidence * 10).astype(int), 9)
        ece = sum(np.mean(bins == b) * abs(right[bins == b].mean() - confidence[bins == b].mean())
                  for b in range(10) if np.any(bins == b))
        print(f"  {name:36s} log-loss {log_loss(probabilities):.3f}, calibration error {ece:.3f}, accuracy at "
              f"fallback threshold {threshold}: {np.mean(right & (confidence >= threshold)):.3f}")
    wrong_before = regression.argmax(axis=1) != truth
    share = np.mean(regression.max(axis=1)[wrong_before] < 0.6)
    wrong, confidence = shipped.argmax(axis=1) != truth, shipped.max(axis=1)
    low = np.quantile(confidence[wrong], share)
    print(f"console « confiance faible » (BMA_CONSOLE_LOW_CONFIDENCE): 0.6 flagged {share:.2f} of the regression's "
          f"errors ({np.mean(regression.max(axis=1) < 0.6):.3f} of all messages); the same share of the SVM's errors "
          f"is below {low:.3f} ({np.mean(confidence < low):.3f} of all messages); below {DEFAULT_LOW_CONFIDENCE} "
          f"(analytics/config.py): {np.mean(confidence[wrong] < DEFAULT_LOW_CONFIDENCE):.2f} of its errors "
          f"({np.mean(confidence < DEFAULT_LOW_CONFIDENCE):.3f} of all messages)")


def scores(truth, predicted) -> str:
    return f"{accuracy_score(truth, predicted):.3f} / {f1_score(truth, predicted, average='macro'):.3f}"


def main() -> int:
    older = [p for p in sorted(NLU.glob("*.yml")) if p not in ROUNDS]
    base_t, base_y, r1_t, r1_y, r2_t, r2_y = [], [], [], [], [], []
    for path in older:
        texts, intents, _ = load_examples(path)
        base_t += texts
        base_y += intents
    r1_t, r1_y, _ = load_examples(ROUNDS[0])
    r2_t, r2_y, _ = load_examples(ROUNDS[1])
    all_t, all_y = np.array(base_t + r1_t + r2_t, dtype=object), np.array(base_y + r1_y + r2_y)
    r3_t, r3_y, _ = load_examples(ROUND_3)
    tokens(list(all_t) + r3_t)
    print(f"{'variant':56s} {'dev round 1':>14s} {'dev round 2':>14s} {'5-fold CV':>14s} {'round 3':>14s}"
          "   (accuracy / macro-F1)")
    for name, (views, make) in VARIANTS.items():
        dev1 = fit_predict(views, make, base_t, base_y, r1_t)
        dev2 = fit_predict(views, make, base_t + r1_t, base_y + r1_y, r2_t)
        predicted = np.empty(len(all_y), dtype=object)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(all_t, all_y):
            predicted[test] = fit_predict(views, make, list(all_t[train]), all_y[train], list(all_t[test]))
        aside = fit_predict(views, make, list(all_t), list(all_y), r3_t)
        print(f"{name:56s} {scores(r1_y, dev1):>14s} {scores(r2_y, dev2):>14s} {scores(all_y, predicted):>14s} "
              f"{scores(r3_y, aside):>14s}", flush=True)
    calibration(all_t, all_y)
    return 0


if __name__ == "__main__":
    sys.exit(main())
