"""User-facing errors.

Every problem a user can cause (a bad file, an unknown dataset, a wrong option) raises a
:class:`SongsimError` whose message is one line naming the file and what is wrong. The CLI maps
it to exit code 2 and the dashboard to ``st.error``; anything else is a bug.
"""


class SongsimError(Exception):
    """A problem with the user's input, reported as one line."""


class PlaylistFormatError(SongsimError):
    """A playlist file that cannot be read."""


class AudioFormatError(SongsimError):
    """An audio or spectrogram file that cannot be read."""


class DatasetError(SongsimError):
    """A dataset that is missing, corrupt or inconsistent."""


class CheckpointError(SongsimError):
    """A model checkpoint that is missing or does not match."""
