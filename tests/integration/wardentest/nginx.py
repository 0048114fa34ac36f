"""The nginx origin: one HTTP and one HTTPS server on free ports, static
files, a chunked page, WebDAV PUT uploads and POST uploads, and a JSON
access log that shows what reached the origin and on which connection."""

import json
import os
import time

from . import procs
from .util import LOCALHOST, TestFailure, free_port, port_accepts, read_text, write_text

NGINX = "/usr/sbin/nginx"

LOG_FORMAT = (
    "'{\"request\":\"$request\",\"method\":\"$request_method\",\"uri\":\"$request_uri\","
    "\"status\":\"$status\",\"connection\":\"$connection\","
    "\"connection_requests\":\"$connection_requests\","
    "\"request_length\":\"$request_length\",\"body_bytes_sent\":\"$body_bytes_sent\","
    "\"via\":\"$http_via\",\"xff\":\"$http_x_forwarded_for\",\"host\":\"$http_host\","
    "\"te\":\"$http_transfer_encoding\",\"content_length\":\"$http_content_length\","
    "\"remote\":\"$remote_addr\",\"port\":\"$server_port\",\"scheme\":\"$scheme\","
    "\"ssl_reused\":\"$ssl_session_reused\"}'"
)

# Content coding for /z/: gzip always, brotli from Debian's
# libnginx-mod-http-brotli-filter (the test packages install it).
BROTLI_MODULE = "/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so"

CONF = """\
{user}
{load_brotli}
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{ worker_connections 512; }}
http {{
    log_format wt escape=json {log_format};
    access_log {dir}/access.log wt;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;
    types {{ text/html html; text/plain txt; application/octet-stream bin; image/png png; video/mp4 mp4; }}
    default_type application/octet-stream;
    keepalive_timeout 60s;
    keepalive_requests 10000;
    server_tokens off;

    server {{
        listen {host}:{http_port};
        server_name localhost;
        root {docroot};
        location / {{ }}
        location /z/ {{
            gzip on;
            gzip_types *;
            gzip_min_length 1;
            gzip_proxied any;
            {brotli}
        }}
        location /chunked/ {{
            sub_filter '@MARK@' '<b>replaced</b>';
            sub_filter_once off;
            sub_filter_types *;
        }}
        location /dav/ {{
            root {dir}/uploads;
            dav_methods PUT DELETE;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            client_max_body_size 200m;
            client_body_buffer_size 256k;
        }}
        location /post/ {{
            client_max_body_size 200m;
            client_body_buffer_size 256k;
            proxy_method PUT;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_pass http://{host}:{sink_port};
        }}
    }}

    server {{
        listen {host}:{https_port} ssl;
        server_name localhost;
        ssl_certificate {cert};
        ssl_certificate_key {key};
        ssl_protocols TLSv1.2 TLSv1.3;
        root {docroot};
        location / {{ }}
    }}

    server {{
        listen {host}:{sink_port};
        access_log {dir}/sink.log wt;
        location /post/ {{
            root {dir}/uploads;
            dav_methods PUT;
            create_full_put_path on;
            dav_access user:rw group:r all:r;
            client_max_body_size 200m;
            client_body_buffer_size 256k;
        }}
    }}
}}
"""


class Nginx:
    """A running nginx. URLs: url(path) on the HTTP server, https_url(path)."""

    def __init__(self, d, content, pki):
        self.dir = d
        self.content = content
        self.pki = pki
        self.proc = None
        self.http_port = self.https_port = self.sink_port = None
        self.access_log = os.path.join(d, "access.log")
        self.error_log = os.path.join(d, "error.log")
        self.uploads = os.path.join(d, "uploads")

    @property
    def has_brotli(self):
        return os.path.exists(BROTLI_MODULE)

    @property
    def authority(self):
        return "%s:%d" % (LOCALHOST, self.http_port)

    @property
    def https_authority(self):
        return "%s:%d" % (LOCALHOST, self.https_port)

    def url(self, path):
        return "http://%s%s" % (self.authority, path)

    def https_url(self, path, host=LOCALHOST):
        return "https://%s:%d%s" % (host, self.https_port, path)

    def start(self):
        for d in ("", "tmp", "uploads"):
            os.makedirs(os.path.join(self.dir, d), exist_ok=True)
            os.chmod(os.path.join(self.dir, d), 0o755)
        for attempt in range(8):
            self.http_port, self.https_port, self.sink_port = free_port(), free_port(), free_port()
            if len({self.http_port, self.https_port, self.sink_port}) < 3:
                continue
            conf = os.path.join(self.dir, "nginx.conf")
            write_text(conf, CONF.format(
                user="user root root;" if os.geteuid() == 0 else "",
                dir=self.dir, host=LOCALHOST, docroot=self.content.docroot,
                http_port=self.http_port, https_port=self.https_port,
                sink_port=self.sink_port, cert=self.pki.cert, key=self.pki.key,
                log_format=LOG_FORMAT,
                load_brotli="load_module %s;" % BROTLI_MODULE if self.has_brotli else "",
                brotli="brotli on; brotli_types *; brotli_min_length 1;" if self.has_brotli else ""))
            if os.path.exists(self.error_log):
                os.rename(self.error_log, self.error_log + ".%d" % attempt)
            self.proc = procs.Proc([NGINX, "-p", self.dir + "/", "-c", conf,
                                    "-e", self.error_log, "-g", "daemon off;"],
                                   "nginx", self.dir)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if not self.proc.running():
                    break
                if all(port_accepts(p) for p in (self.http_port, self.https_port, self.sink_port)):
                    return self
                time.sleep(0.05)
            errors = read_text(self.error_log) + self.proc.stderr()
            self.proc.kill()
            if "Address already in use" in errors:
                continue
            raise TestFailure("nginx did not start: %s" % errors.strip()[-2000:])
        raise TestFailure("nginx: no free ports after 8 attempts")

    def stop(self):
        if self.proc is not None:
            self.proc.stop(timeout=10)
            self.proc = None

    def entries(self, log=None):
        """The access log as a list of dicts (one per request nginx finished)."""
        out = []
        for line in read_text(log or self.access_log).splitlines():
            line = line.strip()
            if line:
                out.append(json.loads(line))
        return out

    def wait_entry(self, pred, timeout=5, what="an nginx access log entry"):
        """The first access log entry pred accepts, polling up to timeout s."""
        deadline = time.monotonic() + timeout
        while True:
            for e in self.entries():
                if pred(e):
                    return e
            if time.monotonic() >= deadline:
                raise TestFailure("nginx access log: no entry for %s; log has:\n%s"
                                  % (what, "\n".join(e["request"] for e in self.entries()[-20:])))
            time.sleep(0.05)

    def wait_path(self, path, timeout=5):
        return self.wait_entry(lambda e: e["uri"] == path, timeout, "path %s" % path)

    def saw(self, fragment):
        """Whether any request line nginx logged contains fragment."""
        return any(fragment in e["request"] for e in self.entries())

    def upload_path(self, urlpath):
        return os.path.join(self.uploads, urlpath.lstrip("/"))
