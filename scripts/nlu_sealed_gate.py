"""`make nlu-gate`: the sealed NLU set, end to end over REST, answer-level scoring; totals only.

The set (tests/corpora/sealed/nlu_sealed.yml) was written by a helper who saw neither data/ nor
the development set; only this gate reads it and it prints totals, never an item nor a per-item
error, so that no choice is ever made on it (issue #24).

Each question is sent to the real servers (Rasa REST channel, action server, demo registry, SQL
tracker store on SQLite) as a new conversation; when the assistant asks for the mailbox's address,
the gate gives a demo address. What the assistant decided is then read back from the tracker store:
the intent of the user's message and the ``bma_decision`` metadata of every reply (the topic and
sub-answer given, the quick replies offered). A question is

- **answered** when the reply gives the answer it needs (the FAQ topic, and for §3 the sub-answer;
  « how to migrate » and « the steps » count as one, both list the four e-mails; the contacts of §9
  and the hand-off are the same contacts; for a question the FAQ does not answer, the honest
  « la FAQ ne répond pas / ne précise pas » reply); a message with two questions is answered when both are,
- **offered** when the reply asks « Vouliez-vous dire… » or answers one of two questions, with the
  needed answer one click away (a quick reply),
- **confidently wrong** when it gives another topic's answer with no such choice.

Served = answered + offered. Accuracy is the intent of the message (either intent of a two-question
message), compared with the TF-IDF + logistic-regression baseline trained on the same data/.

    python -m scripts.nlu_sealed_gate --model models/bma-….tar.gz --min-accuracy A --min-served S \
        --max-confident-wrong W [--max-behind-baseline B]
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

import yaml

from evaluation.paths import NLU_DIR, SEALED
from evaluation.quiet import quiet
from evaluation.scoring import baseline_predict, fallback_threshold, load_examples
from evaluation.sealed import judge, run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--min-accuracy", type=float, required=True)
    parser.add_argument("--min-served", type=float, required=True)
    parser.add_argument("--max-confident-wrong", type=float, required=True)
    parser.add_argument("--max-behind-baseline", type=float, default=0.0)
    parser.add_argument("--set", type=Path, default=SEALED, help="another file of the same shape (to try the gate)")
    parser.add_argument("--show", action="store_true", help="print each item's verdict (refused on the sealed set)")
    args = parser.parse_args()
    quiet()
    if args.show and args.set.resolve() == SEALED.resolve():
        parser.error("the sealed set prints totals only")
    questions = yaml.safe_load(args.set.read_text(encoding="utf-8"))["questions"]
    results = run(args.model, questions)
    verdicts, correct = Counter(), 0
    for number, question in enumerate(questions):
        needs = [(question["intent"], question.get("sub"))] + ([(question["also"], None)] if question.get("also") else [])
        seen = results[f"sealed-{number}"]
        verdict = judge(needs, seen["decisions"])
        verdicts[verdict] += 1
        if args.show:
            print(f"{verdict:16} {seen['intent']:24} {question['text']!r} {[d.get('topic') for d in seen['decisions']]}")
        correct += seen["intent"] in {question["intent"], question.get("also")}
    train_texts, train_intents, _ = load_examples(NLU_DIR)
    baseline, _ = baseline_predict(train_texts, train_intents, [q["text"] for q in questions], fallback_threshold())
    baseline_correct = sum(b in {q["intent"], q.get("also")} for b, q in zip(baseline, questions))
    n = len(questions)
    accuracy, baseline_accuracy = correct / n, baseline_correct / n
    served = (verdicts["answered"] + verdicts["offered"]) / n
    wrong = verdicts["confident_wrong"] / n
    print(f"sealed NLU set ({n} questions, end to end over REST, {Path(args.model).name}):")
    print(f"  intent accuracy {accuracy:.3f} (baseline TF-IDF + logistic regression {baseline_accuracy:.3f})")
    print(f"  served {served:.3f}: answered {verdicts['answered']}, offered one click away {verdicts['offered']}; "
          f"confidently wrong {verdicts['confident_wrong']} ({wrong:.1%}); neither {verdicts['other']}")
    failures = []
    if accuracy < args.min_accuracy:
        failures.append(f"accuracy {accuracy:.3f} < {args.min_accuracy:.3f}")
    if served < args.min_served:
        failures.append(f"served {served:.3f} < {args.min_served:.3f}")
    if wrong > args.max_confident_wrong:
        failures.append(f"confidently wrong {wrong:.3f} > {args.max_confident_wrong:.3f}")
    if accuracy < baseline_accuracy - args.max_behind_baseline:
        failures.append(f"accuracy {accuracy:.3f} behind the baseline {baseline_accuracy:.3f}")
    for name, ok in (("accuracy ≥ 0.96", accuracy >= 0.96), ("served ≥ 0.97", served >= 0.97),
                     ("confidently wrong ≤ 2 %", wrong <= 0.02), ("never behind the baseline", accuracy >= baseline_accuracy)):
        print(f"issue #24 target {name}: {'met' if ok else 'NOT met'}")
    for failure in failures:
        print(f"FAIL: {failure}")
    if not failures:
        print("OK: the floors given hold")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
