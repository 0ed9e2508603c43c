"""Signals sent by the quiz feature; certificates listen without being imported here."""

from blinker import Namespace

_signals = Namespace()

# sender: None; kwargs: session, completion (a new Completion, flushed)
module_completed = _signals.signal("module-completed")
