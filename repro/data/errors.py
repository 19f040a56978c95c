class DataError(RuntimeError):
    """A dataset is missing, damaged or malformed; the message names the file and the fix."""
