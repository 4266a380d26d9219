# The connection to the MQTT broker of a Wi-Fi bench: DNS and TCP with a timeout inside the
# watchdog period, then TLS with the CA provisioned in network.json (`tls`, `ca` as PEM), the
# broker's name checked against its certificate; then non-blocking, as the MQTT client polls it.
import binascii
import socket

_CONNECT_S = 5  # DNS and TCP connect: well inside the 30 s watchdog


def ca_der(pem):
    """The first certificate of a PEM text, as DER bytes (what mbedTLS's cadata takes)."""
    body = []
    inside = False
    for line in pem.splitlines():
        line = line.strip()
        if line.startswith("-----BEGIN CERTIFICATE"):
            inside = True
        elif line.startswith("-----END CERTIFICATE"):
            break
        elif inside and line:
            body.append(line)
    if not body:
        raise ValueError("network.json: ca holds no PEM certificate")
    return binascii.a2b_base64("".join(body))


def opener(network):
    """(host, port) -> a connected non-blocking socket, over TLS when network.json says so.
    TLS without a CA is refused: an unverified broker could be anyone's."""
    tls = network.get("tls", False)
    ca = network.get("ca")
    if tls and not ca:
        raise ValueError("network.json: tls needs the broker's ca (PEM); flash the bench again with it")
    der = ca_der(ca) if tls else None

    def open_socket(host, port):
        addr = socket.getaddrinfo(host, port)[0][-1]
        sock = socket.socket()
        sock.settimeout(_CONNECT_S)
        sock.connect(addr)
        if der is not None:
            import ssl

            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
            ctx.verify_mode = ssl.CERT_REQUIRED  # type: ignore[attr-defined]  # the stubs lag MicroPython 1.23
            ctx.load_verify_locations(cadata=der)
            try:
                sock = ctx.wrap_socket(sock, server_hostname=host)  # the handshake, inside the timeout
            except ValueError as e:  # mbedTLS's verdict on the certificate: the link's OSError path
                sock.close()
                raise OSError("TLS: %s" % str(e).strip())
        sock.setblocking(False)
        return sock

    return open_socket
