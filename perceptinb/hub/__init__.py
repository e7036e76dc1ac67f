"""The model hub: runs, graph versions, comparison and export, kept in one SQLite file.

Importing this package does not import TensorFlow; recording and export load Keras on use.
"""

from perceptinb.hub.hub import Hub
from perceptinb.hub.records import RunRecord, VersionRecord
from perceptinb.hub.store import HubError, HubLookupError, NetworkFilesystemWarning

__all__ = ["Hub", "HubError", "HubLookupError", "NetworkFilesystemWarning", "RunRecord",
           "VersionRecord"]
