"""Attachment blobs: stored by their SHA-256, synced to disk before the commit that names them,
and a half-written file a crash left behind is never trusted."""

from __future__ import annotations

import hashlib
import threading

from helpdesk.tickets.blobs import BlobStore


def test_a_blob_is_kept_whole_under_its_hash_and_settle_waits_for_it(tmp_path):
    blobs = BlobStore(tmp_path)
    data = bytes(range(256)) * 1000
    digest = blobs.put(data)
    blobs.settle()
    assert digest == hashlib.sha256(data).hexdigest() and blobs.get(digest) == data
    assert blobs.put(data) == digest and len(list(tmp_path.rglob("*"))) == 3  # two folders, one file
    blobs.settle()


def test_a_file_a_crash_left_half_written_is_written_again(tmp_path):
    blobs = BlobStore(tmp_path)
    data = b"%PDF-1.4\n" * 1000
    digest = hashlib.sha256(data).hexdigest()
    left = blobs.path(digest)
    left.parent.mkdir(parents=True)
    left.write_bytes(data[:100])  # renamed into place, never synced, then the machine died
    assert blobs.put(data) == digest
    blobs.settle()
    assert blobs.get(digest) == data


def test_each_thread_waits_for_its_own_blobs(tmp_path):
    blobs = BlobStore(tmp_path)
    done: list[bytes] = []

    def mailbox(n: int) -> None:
        digests = [blobs.put(f"{n}-{i}".encode() * 500) for i in range(20)]
        blobs.settle()
        done.extend(blobs.get(d) for d in digests)

    threads = [threading.Thread(target=mailbox, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(done) == sorted(f"{n}-{i}".encode() * 500 for n in range(3) for i in range(20))
