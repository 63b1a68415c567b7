"""The classifier's fast inference path gives exactly scikit-learn's figures."""
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from components.tfidf_intent_classifier import TEXT_VIEWS, _vectorizer, class_probabilities, fitted_view, tfidf_rows

TRAINING = [
    ("j'ai perdu le nouveau mot de passe", "faq_lost_new_password"),
    ("plus de mdp pour l'ancienne boîte", "faq_lost_old_password"),
    ("c'est quoi une BMA ?", "faq_bma_definition"),
    ("pourquoi migrer vers Exchange", "faq_migration_reason"),
    ("quand ma boîte ec012345@adm.cfwb.be migre-t-elle ?", "check_migration_status"),
    ("rien reçu du SGNE", "faq_no_email_received"),
    ("bonjour", "greet"),
    ("merci beaucoup", "thanks"),
]
QUESTIONS = ["J'AI PERDU mon nouveau MDP !!", "ma boite migre quand", "", "???", "élève réçu école", "xyzzy qwerty",
             "Bonjour, c'est quoi la BMA et pourquoi Exchange ? merci", "ec000001@adm.cfwb.be"]


def test_tfidf_rows_equal_scikit_learn_transform():
    texts = [t for t, _ in TRAINING]
    for name in TEXT_VIEWS:
        vectorizer = _vectorizer(name).fit(texts)
        fast, reference = tfidf_rows(fitted_view(vectorizer), QUESTIONS), vectorizer.transform(QUESTIONS)
        assert fast.shape == reference.shape
        assert np.allclose(fast.toarray(), reference.toarray(), atol=1e-12)
    assert tfidf_rows(fitted_view(TfidfVectorizer().fit(texts)), []).shape[0] == 0


def test_class_probabilities_equal_predict_proba():
    texts, intents = zip(*TRAINING)
    vectorizer = _vectorizer("chars").fit(texts)
    clf = LogisticRegression(C=30.0, max_iter=3000).fit(vectorizer.transform(texts), intents)
    features = vectorizer.transform(QUESTIONS)
    fast = class_probabilities(np.ascontiguousarray(clf.coef_.T), clf.intercept_, features)
    assert np.allclose(fast, clf.predict_proba(features), atol=1e-12)
    assert list(clf.classes_[fast.argmax(axis=1)]) == list(clf.predict(features))
