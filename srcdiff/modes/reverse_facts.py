"""What the reverse walk knows about the prepared function: a frozen record, made once after the
last preparation pass (``ReverseMode.freeze``)."""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType, SimpleNamespace

from .. import ir


@dataclass(frozen=True)
class ReverseFacts:
    fn: ir.FunctionDef  # the prepared function
    activity: object  # analysis.activity.Activity
    shapes: object  # analysis.shapes.Shapes
    containers: frozenset  # names that may hold lists, tuples or dicts
    appended: frozenset  # lists appended to: their adjoints are popped, so they must be lists
    put_back: frozenset  # stores that put an appended list back where it came from
    stacks: frozenset  # lists used only as stacks (tapes of generated code): their pops have adjoints
    plan: object  # analysis.tbr's loop plan: what each loop recomputes instead of taping
    trip_counters: MappingProxyType  # loop -> name counting its iterations
    call_info: MappingProxyType  # statement calling a callee's forward function -> CallInfo
    primal_names: frozenset  # the parameters and every name the prepared function binds
    restored_primals: frozenset  # arrays the reverse sweep restores in place
    masked: frozenset  # names whose adjoint a selection may zero: their adjoint rules multiply strongly
    complex_inside: bool  # complex values may meet real arrays (adjoints written in place take real parts)


NAMES = tuple(ReverseFacts.__dataclass_fields__)


def draft(fn, primal_names, restored_primals):
    """The facts while the preparation passes still rewrite the function (mutable)."""
    return SimpleNamespace(fn=fn, activity=None, shapes=None, containers=set(), appended=set(), put_back=set(),
                           stacks=frozenset(), plan=None, trip_counters={}, call_info={},
                           primal_names=set(primal_names),
                           restored_primals=restored_primals, masked=frozenset(), complex_inside=False)


def frozen(facts):
    """The draft ``facts`` as a ``ReverseFacts``."""
    return ReverseFacts(facts.fn, facts.activity, facts.shapes, frozenset(facts.containers),
                        frozenset(facts.appended), frozenset(facts.put_back), frozenset(facts.stacks), facts.plan,
                        MappingProxyType(dict(facts.trip_counters)), MappingProxyType(dict(facts.call_info)),
                        frozenset(facts.primal_names), frozenset(facts.restored_primals),
                        frozenset(facts.masked), bool(facts.complex_inside))


def _fact(name):
    def get(self):
        return getattr(self.facts, name)

    def put(self, value):
        if isinstance(self.facts, ReverseFacts):
            raise AttributeError("the reverse walk's facts are frozen once the function is prepared: %s" % name)
        setattr(self.facts, name, value)
    return property(get, put, doc="``facts.%s``" % name)


class FactsView:
    """``self.activity`` and the rest read ``self.facts`` (mixed into ``ReverseMode``)."""


for _name in NAMES:
    setattr(FactsView, _name, _fact(_name))
