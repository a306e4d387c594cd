"""An incremental server-sent-events decoder that works on bytes.

It follows the WHATWG event-stream rules that matter to a client: lines end in CRLF, LF or CR
(a CR at the end of one read and an LF at the start of the next are one line end); a line that
starts with `:` is a comment (keep-alives); `data` lines of one event are joined with LF; an
event is dispatched at a blank line and only when it has data; a leading UTF-8 BOM is dropped;
unknown fields are ignored. Reads may split the stream at any byte, including inside a UTF-8
sequence, because nothing is decoded to text here: `data` stays bytes and goes straight to the
JSON decoder.

Why not httpx-sse (the team's default): measured on this machine against a loopback server
sending 1,000 chat chunks, one HTTP chunk each, CPU per stream, best of 5 runs of 20:
reading the bytes alone 8.2 ms; httpx-sse + json 13.7 ms; httpx-sse + orjson 11.9 ms; this
decoder + orjson 10.4 ms. httpx-sse decodes to text, splits lines twice (its line decoder, then
`rstrip`) and builds a dataclass per event: about 4.5 µs per event against 2.4 µs here, which
is most of the client's own cost of a stream. It also cannot say whether the body ended inside an
event; `pending` can. httpx-sse stays in the tests as the reference this decoder is checked
against.

Reading is linear in the bytes received: a line that arrives in many reads is kept as a list
of pieces and joined once, when its end arrives (joining the buffer to every read was
quadratic: a 4 MiB event in 4 KiB reads took 0.8 s). A line longer than `max_line` bytes, or
an event whose data grows past `max_event` bytes, raises `SSELimitError` at once, before more
is held (the stream turns it into `ResponseTooLargeError` and closes the connection).
"""

from __future__ import annotations

from ._limits import DEFAULT_LIMITS

_BOM = b"\xef\xbb\xbf"


class SSELimitError(ValueError):
    """A line or an event of the stream is larger than the decoder's limit."""

    def __init__(self, message: str, *, limit: int, limit_name: str) -> None:
        super().__init__(message)
        self.limit = limit
        self.limit_name = limit_name


class SSEDecoder:
    """Feed it bytes as they arrive; it returns the complete events as `(event, data)` pairs.

    `event` is the event type (`""` when the server sent none, which means `message`) and
    `data` the event's data as bytes. `max_line` and `max_event` bound, in bytes, one line and
    the data of one event.
    """

    __slots__ = (
        "_data",
        "_data_size",
        "_event",
        "_max_event",
        "_max_line",
        "_partial",
        "_partial_size",
        "_pending_cr",
        "_started",
    )

    def __init__(
        self,
        *,
        max_line: int = DEFAULT_LIMITS.max_sse_line_bytes,
        max_event: int = DEFAULT_LIMITS.max_sse_event_bytes,
    ) -> None:
        self._partial: list[bytes] = []  # the pieces of a line whose end has not arrived
        self._partial_size = 0
        self._data: list[bytes] = []
        self._data_size = 0
        self._event = ""
        self._pending_cr = False
        self._started = False
        self._max_line = max_line
        self._max_event = max_event

    @property
    def pending(self) -> bool:
        """Whether bytes of an event that was never completed are held (a cut stream)."""
        return bool(self._partial or self._data)

    def _hold(self, piece: bytes) -> None:
        if not piece:
            return
        self._partial_size += len(piece)
        if self._partial_size > self._max_line:
            self._partial = []
            raise SSELimitError(
                f"An event-stream line is longer than {self._max_line} bytes",
                limit=self._max_line,
                limit_name="max_sse_line_bytes",
            )
        self._partial.append(piece)

    def feed(self, chunk: bytes) -> list[tuple[str, bytes]]:
        """Add the next bytes of the stream; return the events they complete, in order."""
        if self._pending_cr:
            self._pending_cr = False
            if chunk[:1] == b"\n":
                chunk = chunk[1:]
        if not self._started:
            if self._partial:
                chunk = b"".join(self._partial) + chunk  # at most 2 bytes were held
                self._partial = []
                self._partial_size = 0
            if len(chunk) < len(_BOM) and _BOM.startswith(chunk):
                self._hold(chunk)
                return []
            self._started = True
            if chunk.startswith(_BOM):
                chunk = chunk[len(_BOM) :]
        if self._partial or b"\r" in chunk:
            return self._feed_joined(chunk)
        # The common case, one or more whole lines ending in LF with nothing held: split once.
        lines = chunk.split(b"\n")
        tail = lines.pop()
        if tail:
            self._hold(tail)
        return self._lines(lines, len(chunk) > self._max_line)

    def _feed_joined(self, chunk: bytes) -> list[tuple[str, bytes]]:
        """`feed` when a line is held from earlier reads or CRs must be normalised."""
        end = max(chunk.rfind(b"\n"), chunk.rfind(b"\r"))
        if end < 0:
            self._hold(chunk)
            return []
        complete = chunk[: end + 1]
        if self._partial:
            # Each byte is joined once, when its line ends: linear however the reads fall.
            self._partial.append(complete)
            complete = b"".join(self._partial)
            self._partial = []
            self._partial_size = 0
        if b"\r" in complete:
            # A CR that ends this read may be the first half of a CRLF split across reads.
            self._pending_cr = end == len(chunk) - 1 and complete.endswith(b"\r")
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = complete.split(b"\n")
        lines.pop()  # empty: `complete` ends with a line end
        self._hold(chunk[end + 1 :])
        return self._lines(lines, len(complete) > self._max_line)

    def _lines(self, lines: list[bytes], check_length: bool) -> list[tuple[str, bytes]]:
        # Lines are checked one by one only when their bytes together exceed the limit.
        if check_length:
            max_line = self._max_line
            for line in lines:
                if len(line) > max_line:
                    raise SSELimitError(
                        f"An event-stream line is longer than {max_line} bytes",
                        limit=max_line,
                        limit_name="max_sse_line_bytes",
                    )
        events: list[tuple[str, bytes]] = []
        data = self._data
        for line in lines:
            if not line:
                if data:
                    events.append((self._event, data[0] if len(data) == 1 else b"\n".join(data)))
                    data = self._data = []
                    self._data_size = 0
                self._event = ""
                continue
            if line.startswith(b"data:"):
                value = line[6:] if line[5:6] == b" " else line[5:]
            elif line[0] == 58:  # ":" starts a comment, such as a keep-alive
                continue
            else:
                name, _, value = line.partition(b":")
                if value[:1] == b" ":
                    value = value[1:]
                if name == b"event":
                    self._event = value.decode("utf-8", "replace")
                    continue
                if name != b"data":
                    continue  # `id` and `retry` serve reconnection, which a POST cannot do
            self._data_size += len(value) + 1
            if self._data_size > self._max_event:
                self._data = []
                self._data_size = 0
                raise SSELimitError(
                    f"An event's data is larger than {self._max_event} bytes",
                    limit=self._max_event,
                    limit_name="max_sse_event_bytes",
                )
            data.append(value)
        return events
