"""The classifier's fast inference path gives exactly scikit-learn's scores (through the softmax), trained and reloaded."""
import numpy as np
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from sklearn.feature_extraction.text import TfidfVectorizer

from components.tfidf_intent_classifier import (
    TEXT_VIEWS,
    TfidfIntentClassifier,
    _vectorizer,
    class_scores,
    fitted_view,
    softmax,
    tfidf_rows,
)

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


def reference_probabilities(component, questions):
    return softmax(class_scores(component.clf, component._features(questions)), component.config["temperature"])


def test_inference_equals_scikit_learn_scores_trained_and_reloaded(tmp_path):
    from components.spacy_nlp import LeanSpacyNLP

    spacy_nlp = LeanSpacyNLP.create({**LeanSpacyNLP.get_default_config(), "model": "fr_core_news_md", "lemmatizer": "lookup"},
                                    None, None, None)
    model = spacy_nlp.provide()

    def messages(pairs):
        built = [Message(data={"text": text, **({"intent": intent} if intent else {})}) for text, intent in pairs]
        return spacy_nlp.process(built, model)

    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(graph_schema=None, model_id="test")
    trained = TfidfIntentClassifier.create(TfidfIntentClassifier.get_default_config(), storage, resource, context)
    trained.train(TrainingData(messages(TRAINING)))
    reloaded = TfidfIntentClassifier.load(TfidfIntentClassifier.get_default_config(), storage, resource, context)
    questions = messages([(q, None) for q in QUESTIONS])
    reference = reference_probabilities(trained, questions)
    assert np.allclose(reference.sum(axis=1), 1.0) and reference.shape == (len(QUESTIONS), len(trained.clf.classes_))
    assert list(trained.clf.classes_[reference.argmax(axis=1)]) == list(trained.clf.predict(trained._features(questions)))
    for component in (trained, reloaded):
        assert np.allclose(component._probabilities(questions), reference, atol=1e-12)
    assert np.allclose(reloaded._probabilities(questions[:1]), reference[:1], atol=1e-12)  # one message, as served
    ranked = reloaded.process(questions)
    assert [m.get("intent")["name"] for m in ranked] == list(trained.clf.classes_[reference.argmax(axis=1)])
    # Trained again (`rasa train --finetune` loads, then trains): the new vocabulary, not the old one.
    reloaded.train(TrainingData(messages(TRAINING[:5] + [("l'ancienne adresse smail2 disparaît-elle ?", "faq_what_changes")])))
    assert np.allclose(reloaded._probabilities(questions), reference_probabilities(reloaded, questions), atol=1e-12)
    # Two intents: scikit-learn keeps one column of scores; the ranking still names both.
    reloaded.train(TrainingData(messages([TRAINING[0], TRAINING[2], ("mot de passe oublié", TRAINING[0][1])])))
    two = reloaded.process(messages([("perdu mon mot de passe", None), ("une BMA c'est quoi", None)]))
    assert [m.get("intent")["name"] for m in two] == ["faq_lost_new_password", "faq_bma_definition"]
    assert {r["name"] for r in two[0].get("intent_ranking")} == {"faq_lost_new_password", "faq_bma_definition"}
    assert np.allclose(reloaded._probabilities(two), reference_probabilities(reloaded, two), atol=1e-12)


def test_the_lexicon_is_read_at_training_and_travels_in_the_model(tmp_path):
    from components.spacy_nlp import LeanSpacyNLP

    spacy_nlp = LeanSpacyNLP.create({**LeanSpacyNLP.get_default_config(), "model": "fr_core_news_md", "lemmatizer": "lookup"},
                                    None, None, None)
    model = spacy_nlp.provide()

    def messages(pairs):
        return spacy_nlp.process([Message(data={"text": t, **({"intent": i} if i else {})}) for t, i in pairs], model)

    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("password: [mot de passe, mdp, sésame]\nlost: [perdu, paumé]\n", encoding="utf-8")
    config = {**TfidfIntentClassifier.get_default_config(), "lexicon": str(lexicon)}
    storage, resource = LocalModelStorage(tmp_path), Resource("tfidf")
    context = ExecutionContext(graph_schema=None, model_id="test")
    trained = TfidfIntentClassifier.create(config, storage, resource, context)
    trained.train(TrainingData(messages(TRAINING)))
    assert {"ai c_lost", "nouveau c_password", "de c_password"} <= set(trained.vectorizers["concepts"].vocabulary_)
    before = TfidfIntentClassifier.fingerprint_addon(config)
    lexicon.write_text("password: [mot de passe]\n", encoding="utf-8")
    assert TfidfIntentClassifier.fingerprint_addon(config) != before  # Rasa's cache retrains
    lexicon.unlink()  # the model no longer needs the file
    reloaded = TfidfIntentClassifier.load(config, storage, resource, context)
    questions = messages([("sésame paumé", None), ("j'ai perdu le mdp", None)])
    assert reloaded.lexicon.rewrite("sésame paumé") == "c_password c_lost"
    assert np.allclose(reloaded._probabilities(questions), trained._probabilities(questions), atol=1e-12)
    assert TfidfIntentClassifier.fingerprint_addon(config) is None
