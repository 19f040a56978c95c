"""repro: classic generative models, reproduced and checked against their papers."""
__version__ = "0.1.0"

from repro.backend import request_onednn as _request_onednn

_request_onednn()
