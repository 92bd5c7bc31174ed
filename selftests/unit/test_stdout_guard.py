"""stdout_guard.py: a closed pipe behind standard output silences it, never raises."""

import io
import os

from os_interop.stdout_guard import GuardedStdout


def _pipe_stream():
    read_fd, write_fd = os.pipe()
    return read_fd, io.TextIOWrapper(io.FileIO(write_fd, "w"), encoding="utf-8")


def test_writes_pass_through_while_the_reader_is_there():
    read_fd, stream = _pipe_stream()
    out = GuardedStdout(stream)
    assert out.write("hello\n") == 6
    out.flush()
    assert os.read(read_fd, 100) == b"hello\n"
    assert not out.gone and out.encoding == "utf-8"      # the rest is the stream's own
    os.close(read_fd)
    stream.close()


def test_a_reader_leaving_silences_the_stream_and_its_descriptor():
    read_fd, stream = _pipe_stream()
    out = GuardedStdout(stream)
    os.close(read_fd)                                     # `| head` has exited
    out.write("lost\n")
    out.flush()                                           # meets the closed pipe: silenced
    assert out.gone
    assert out.write("more\n") == 5
    out.flush()
    assert os.write(stream.fileno(), b"x") == 1           # the descriptor now goes to /dev/null
    stream.close()                                        # its buffer flushes without an error


class Refusing:
    """A stream whose reader is gone and which has no descriptor to point elsewhere."""

    def write(self, text):
        raise BrokenPipeError

    flush = writelines = write

    def fileno(self):
        raise ValueError("no descriptor")


def test_every_way_of_writing_is_guarded():
    out = GuardedStdout(Refusing())
    assert out.write("x") == 1 and out.gone
    out.writelines(["a\n", "b\n"])
    out.flush()
