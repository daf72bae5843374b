"""Bytes and str at the boundary, made explicit.

Everything sent to the library is bytes. A str argument is accepted only
when it is ASCII (commands, keys and options are ASCII in the protocol);
anything else must be encoded by the caller, who knows the encoding.
Everything that comes back is a Reply: bytes with a .text helper.
"""


class Reply(bytes):
    """Bytes from the host or the engine. ``.text`` decodes them as UTF-8
    (strict: undecodable bytes raise UnicodeDecodeError)."""

    __slots__ = ()

    @property
    def text(self):
        return self.decode("utf-8")

    def __repr__(self):
        return "Reply(%s)" % bytes.__repr__(self)


def to_bytes(value, what="argument", allow_nul=True):
    """bytes, bytearray, memoryview or ASCII str -> bytes.

    TypeError for other types; ValueError for a non-ASCII str (encode it
    yourself) or, when allow_nul is False, for a NUL byte (the C side takes
    a NUL-terminated string there)."""
    if isinstance(value, str):
        try:
            data = value.encode("ascii")
        except UnicodeEncodeError:
            raise ValueError("%s %r is not ASCII: pass bytes "
                             "(e.g. .encode('utf-8'))" % (what, value)) from None
    elif isinstance(value, (bytes, bytearray, memoryview)):
        data = bytes(value)
    else:
        raise TypeError("%s must be bytes or an ASCII str, not %s"
                        % (what, type(value).__name__))
    if not allow_nul and b"\0" in data:
        raise ValueError("%s contains a NUL byte" % what)
    return data


def check_uint(value, bits, what):
    """An int that fits in an unsigned C type of `bits` bits (ctypes would
    silently truncate anything else)."""
    value = _int(value, what)
    if not 0 <= value < (1 << bits):
        raise ValueError("%s %d does not fit in %d unsigned bits"
                         % (what, value, bits))
    return value


def check_int(value, bits, what):
    """An int that fits in a signed C type of `bits` bits."""
    value = _int(value, what)
    if not -(1 << (bits - 1)) <= value < (1 << (bits - 1)):
        raise ValueError("%s %d does not fit in %d signed bits"
                         % (what, value, bits))
    return value


def _int(value, what):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("%s must be an int, not %s"
                        % (what, type(value).__name__))
    return value
