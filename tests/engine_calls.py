"""A test helper: the names of the engine Functions a piece of code applies (to check which
fused ops ran)."""


def applied_functions(monkeypatch):
    """The names of the engine Functions applied from now on (a list that fills as they run)."""
    from strided.autograd import function

    names, apply = [], function.Function.apply.__func__

    def recording(cls, *inputs, **params):
        names.append(cls.__name__)
        return apply(cls, *inputs, **params)

    monkeypatch.setattr(function.Function, "apply", classmethod(recording))
    return names
