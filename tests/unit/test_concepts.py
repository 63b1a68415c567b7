"""The concept lexicon: how the classifier's concept view reads a message."""
import pytest
import yaml

from components.concepts import DEFAULT_LEXICON, ConceptLexicon, words


def test_forms_of_one_notion_read_as_one_concept():
    lexicon = ConceptLexicon.from_file()
    spellings = ["J'ai perdu mon mot de passe", "j'ai perdu mon mdp", "j’ai perdu mon password"]
    rewritten = {lexicon.rewrite(text) for text in spellings}
    assert len(rewritten) == 1, rewritten
    assert "c_password" in rewritten.pop().split()


def test_longest_form_wins_and_unknown_words_are_kept():
    lexicon = ConceptLexicon({"not_received": ["rien reçu", "pas reçu"], "receive": ["reçu", "reçue"],
                              "greeting": ["bonjour", "bjr"]})
    assert lexicon.rewrite("Bjr, je n'ai RIEN REÇU du SGNE") == "c_greeting je n ai c_not_received du sgne"
    assert lexicon.rewrite("mail reçue hier") == "mail c_receive hier"
    assert lexicon.rewrite("") == ""
    assert lexicon.rewrite("!!! ???") == ""


def test_a_form_listed_twice_keeps_its_first_concept():
    lexicon = ConceptLexicon({"first": ["code"], "second": ["code", "secret"]})
    assert lexicon.rewrite("code secret") == "c_first c_second"


def test_words_are_matched_without_case_accents_or_typographic_apostrophes():
    assert words("Ça N’a PAS été reçu à l'École") == ["ca", "n", "a", "pas", "ete", "recu", "a", "l", "ecole"]
    lexicon = ConceptLexicon({"not_received": ["n'a pas été reçu"], "school": ["l'école"]})
    assert lexicon.rewrite("Ça N’a PAS été reçu à L’ÉCOLE") == "ca c_not_received a c_school"


def test_the_shipped_lexicon_is_well_formed():
    concepts = yaml.safe_load(DEFAULT_LEXICON.read_text(encoding="utf-8"))
    assert len(concepts) >= 50
    for name, forms in concepts.items():
        assert name == name.lower() and name.replace("_", "").isalnum(), name
        assert forms and all(isinstance(f, str) and f.strip() for f in forms), name
    lexicon = ConceptLexicon(concepts)
    # Every form is reachable: no form folds to nothing.
    assert all(lexicon.rewrite(f) for forms in concepts.values() for f in forms)


def test_a_malformed_lexicon_is_refused_with_its_path(tmp_path):
    path = tmp_path / "lexicon.yml"
    path.write_text("- juste une liste\n- sans concepts\n", encoding="utf-8")
    with pytest.raises(ValueError, match="lexicon.yml"):
        ConceptLexicon.from_file(path)


def test_a_misspelt_form_is_read_as_its_concept_but_not_a_french_word():
    lexicon = ConceptLexicon({"steps": ["étapes"], "storage": ["stockage"], "letter": ["lettre"]})
    near = lexicon.with_near_forms(["mettre", "lettre", "etapes"])
    assert near.rewrite("les étpaes du stokage") == "les c_steps du c_storage"  # two letters swapped, one dropped
    assert near.rewrite("je dois mettre quoi") == "je dois mettre quoi"  # a French word one edit from « lettre »
    assert near.rewrite("les etappes") == "les c_steps"  # a letter added
    assert near.rewrite("les etapxs") == "les c_steps"  # a letter replaced
    assert near.rewrite("les eptaes") == "les eptaes"  # two edits: left as typed
    assert lexicon.rewrite("les étpaes") == "les etpaes"  # a lexicon without near forms (a model saved before)


def test_near_forms_of_two_concepts_are_left_as_typed():
    near = ConceptLexicon({"a": ["marche"], "b": ["marque"]}).with_near_forms([])
    assert near.near_concept("marche") is None  # the form itself is read exactly, not near
    assert near.near_concept("marqhe") is None  # one edit from both « marche » and « marque »


def test_the_french_words_hold_the_usual_forms():
    from components.concepts import french_words

    known = french_words()
    assert {"mettre", "migration", "etapes", "pourriez"} <= known
    assert not {"migraiton", "etpaes", "stokage"} & known
