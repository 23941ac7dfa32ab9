"""Object storage of twin: one protocol, a local-directory and an S3 backend.

Build a store with ``storage.factory.open_object_store(settings)``; the
backends live in ``storage.objects.local`` and ``storage.objects.s3`` and are
imported there on demand (the S3 one pulls in the minio SDK).
"""

from storage.objects.keys import validate_key, validate_prefix
from storage.objects.protocol import ObjectInfo, ObjectStore

__all__ = ["ObjectInfo", "ObjectStore", "validate_key", "validate_prefix"]
