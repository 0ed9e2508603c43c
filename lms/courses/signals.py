"""Signals that let features on the right react to studying without being imported here.

Receivers run inside the sender's transaction, before the view commits.
"""

from blinker import Namespace

_signals = Namespace()

# sender: None; kwargs: session, user_id, module_id, module_version_id
lesson_opened = _signals.signal("lesson-opened")
