"""Facts (persistent dataflow name sets) behave like the frozensets they replace."""
import random

from srcdiff.analysis.facts import Facts, changed


def test_changes_match_frozensets_and_old_states_stay():
    rng = random.Random(0)
    names = ["n%d" % i for i in range(40)]
    states = [(frozenset(), frozenset())]
    for _ in range(600):
        facts, plain = states[rng.randrange(len(states))] if rng.random() < 0.2 else states[-1]
        add = rng.sample(names, rng.randrange(3))
        remove = rng.sample(names, rng.randrange(3))
        new_facts = changed(facts, add=add, remove=remove)
        new_plain = (plain - (set(remove) - set(add))) | set(add)
        states.append((new_facts, frozenset(new_plain)))
    for facts, plain in states:
        assert len(facts) == len(plain)
        assert all((n in facts) == (n in plain) for n in names)
        assert set(facts) == plain and facts == plain and plain == facts
        assert hash(facts) == hash(plain)
        assert (facts | {"x"}) == plain | {"x"} and ({"x"} | facts) == plain | {"x"}
        assert ({"n1", "n2"} & facts) == {"n1", "n2"} & plain and (facts & {"n3"}) == plain & {"n3"}
        assert (facts - {"n4"}) == plain - {"n4"} and bool(facts) == bool(plain)


def test_layers_stay_logarithmic():
    state = frozenset()
    for i in range(4096):
        state = changed(state, add=["t%d" % i])
    assert isinstance(state, Facts) and len(state) == 4096
    assert state.depth() <= 13
