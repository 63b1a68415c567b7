"""`make nlu-views`: which views of a message the classifier uses, chosen without the held-out file.

Prints, for the baseline and each variant (scikit-learn on the same views as
components/tfidf_intent_classifier.py, spaCy fr_core_news_md loaded as config.yml's LeanSpacyNLP:
lookup lemmas; one row with the rule lemmas of spaCy's tagger, as shipped before):
- dev: trained on data/nlu without the two rounds written apart (independent_phrasings.yml,
  independent_borders.yml), predicting round 1; then trained with round 1, predicting round 2;
- 5-fold stratified cross-validation on all of data/nlu;
- round 3 (docs/experiments/independent_round3.yml, written apart and never trained on): trained
  on all of data/nlu.
Accuracy and macro-F1, no fallback. README, « Measured quality ».
"""
from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
logging.disable(logging.WARNING)

import numpy as np  # noqa: E402
from scipy.sparse import csr_matrix, hstack  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import accuracy_score, f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import normalize  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from components.concepts import ConceptLexicon  # noqa: E402
from components.spacy_nlp import UNUSED_PIPES, load_pipeline  # noqa: E402
from scripts.evaluate import load_examples  # noqa: E402

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
VARIANTS = {
    "baseline: words 1–2 + char_wb 2–5, LR C=10": ([WORDS, CHARS], lambda: LogisticRegression(C=10, max_iter=3000)),
    "+ mean of all word vectors, LR C=30 (previous)": ([WORDS, CHARS, vectors(False)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ IDF-weighted content-word vectors, LR C=30": ([WORDS, CHARS, vectors(True)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ lookup lemmas 1–2, LR C=30": ([WORDS, CHARS, LEMMAS], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ tagger's lemmas + IDF-weighted vectors (earlier)": ([WORDS, CHARS, RULE_LEMMAS, vectors(True)], lambda: LogisticRegression(C=30, max_iter=3000)),
    "+ lookup lemmas + IDF-weighted vectors (before)": ([WORDS, CHARS, LEMMAS, vectors(True)], lambda: LogisticRegression(C=30, max_iter=3000, solver="newton-cg")),
    "+ concepts (lexicon), weight 1": ([WORDS, CHARS, LEMMAS, vectors(True), CONCEPTS], lambda: LogisticRegression(C=30, max_iter=3000, solver="newton-cg")),
    "+ concepts, weight 1.5 (shipped)": (SHIPPED, lambda: LogisticRegression(C=30, max_iter=3000, solver="newton-cg")),
    "+ concepts, weight 2": ([WORDS, CHARS, LEMMAS, vectors(True), scaled(CONCEPTS, 2.0)], lambda: LogisticRegression(C=30, max_iter=3000, solver="newton-cg")),
    "same views as shipped, linear SVM C=1 (no probabilities)": (SHIPPED, lambda: LinearSVC(C=1.0)),
}


def fit_predict(views, make, train, train_y, test):
    parts = [view(train, test) for view in views]
    model = make().fit(hstack([a for a, _ in parts]).tocsr(), train_y)
    return model.predict(hstack([b for _, b in parts]).tocsr())


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
    print(f"{'variant':52s} {'dev round 1':>14s} {'dev round 2':>14s} {'5-fold CV':>14s} {'round 3':>14s}"
          "   (accuracy / macro-F1)")
    for name, (views, make) in VARIANTS.items():
        dev1 = fit_predict(views, make, base_t, base_y, r1_t)
        dev2 = fit_predict(views, make, base_t + r1_t, base_y + r1_y, r2_t)
        predicted = np.empty(len(all_y), dtype=object)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(all_t, all_y):
            predicted[test] = fit_predict(views, make, list(all_t[train]), all_y[train], list(all_t[test]))
        aside = fit_predict(views, make, list(all_t), list(all_y), r3_t)
        print(f"{name:52s} {scores(r1_y, dev1):>14s} {scores(r2_y, dev2):>14s} {scores(all_y, predicted):>14s} "
              f"{scores(r3_y, aside):>14s}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
