"""`make bench`'s saturation rounds: the anchors measured between the assistant's, the median of
the rounds' ratios (scripts/bench.py), so that one slow minute does not make the ratio."""
from scripts.bench import median_level, round_ratios, targets


def level(rate: float) -> dict:
    return {"messages_per_s": rate, "p50_ms": 10.0, "p95_ms": 15.0}


def test_the_median_level_is_the_middle_one_and_the_lower_of_an_even_count():
    assert median_level([level(120.0), level(90.0), level(100.0)])["messages_per_s"] == 100.0
    assert median_level([level(120.0), level(90.0)])["messages_per_s"] == 90.0


def test_each_round_compares_the_assistant_with_the_anchors_of_the_same_minutes():
    rounds = [{"shipped": level(100.0), "stock": level(25.0), "floor": level(250.0)},
              {"shipped": level(60.0), "stock": level(20.0), "floor": level(200.0)}]
    assert round_ratios(rounds) == [
        {"shipped": 100.0, "stock": 25.0, "floor": 250.0, "over_stock": 4.0, "over_floor": 0.4},
        {"shipped": 60.0, "stock": 20.0, "floor": 200.0, "over_stock": 3.0, "over_floor": 0.3}]
    assert round_ratios([{"shipped": level(100.0)}]) == []  # --quick and --no-anchor: no anchor, no ratio


def test_the_stock_target_reads_the_median_of_the_rounds_not_one_level():
    report = {"realistic": [{"users": 1, "p50_ms": 10.0, "p95_ms": 15.0}], "saturation": level(100.0),
              "stock": {"saturation": level(50.0)}, "saturation_over_stock": 2.5}
    rows = {row["target"]: row for row in targets(report)}
    stock_row = rows["saturation ≥ 3 × the stock bot's (median of the rounds)"]
    assert stock_row["measured"] == 2.5 and not stock_row["met"]
