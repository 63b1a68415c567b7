"""LeanSpacyNLP gives the tokenizer exactly what Rasa's SpacyNLP gives, without the unused pipes;
with ``lemmatizer: lookup``, the same tokens with lemmas from spaCy's lookup table and no tagger."""
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils.spacy_utils import SpacyNLP
from rasa.shared.nlu.training_data.message import Message

from components.spacy_nlp import LeanSpacyNLP

SENTENCES = [
    "Bonjour, j'ai perdu le nouveau mot de passe de la BMA ec012345@adm.cfwb.be !",
    "pq ma boite smail2 migre pas ?? la direction attend",
    "Combien de boîtes doivent migrer vers Exchange au 18 novembre 2024 ?",
    "Le secrétariat ne reçoit plus les mails du PO depuis lundi",
]


def create(component_class, **config):
    return component_class.create({**component_class.get_default_config(), "model": "fr_core_news_sm", **config},
                                  None, None, None)


def tokens(component):
    model = component.provide()
    messages = component.process([Message(data={"text": text}) for text in SENTENCES], model)
    tokenizer = SpacyTokenizer(SpacyTokenizer.get_default_config())
    tokenizer.process(messages)
    return [[(t.text, t.start, t.end, t.lemma, t.data.get("pos")) for t in m.get("text_tokens")] for m in messages]


def test_same_tokens_lemmas_and_tags_as_rasas_spacy_nlp():
    lean = create(LeanSpacyNLP)
    assert "ner" not in lean.provide().model.pipe_names and "parser" not in lean.provide().model.pipe_names
    assert {"tok2vec", "morphologizer", "lemmatizer"} <= set(lean.provide().model.pipe_names)
    assert tokens(lean) == tokens(create(SpacyNLP))


def test_the_pipeline_is_loaded_once_per_process():
    assert create(LeanSpacyNLP).provide().model is create(LeanSpacyNLP).provide().model


def test_lookup_lemmas_without_the_tagger():
    lookup, rule = create(LeanSpacyNLP, lemmatizer="lookup"), create(LeanSpacyNLP)
    assert lookup.provide().model.pipe_names == ["lemmatizer"]
    ours, theirs = tokens(lookup), tokens(rule)
    assert [[t[:3] for t in m] for m in ours] == [[t[:3] for t in m] for m in theirs]  # same tokens
    lemmas = {t[0].lower(): t[3] for m in ours for t in m}
    assert (lemmas["ai"], lemmas["boîtes"], lemmas["migre"], lemmas["attend"]) == ("avoir", "boîte", "migrer", "attendre")
    assert all(t[4] in (None, "") for m in ours for t in m)  # no tags: nothing reads them


def test_an_unknown_lemmatizer_is_refused():
    import pytest
    from rasa.nlu.model import InvalidModelError

    with pytest.raises(InvalidModelError, match="rule or lookup"):
        create(LeanSpacyNLP, lemmatizer="guess")
