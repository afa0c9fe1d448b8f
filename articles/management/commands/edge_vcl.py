"""Print deploy/varnish/newsroom.vcl filled in for some app servers (scripts/serve-edge.sh uses it)."""

from django.core.management.base import BaseCommand, CommandError

from newsroom.edge import edge_vcl_render


class Command(BaseCommand):
    help = "Print the Varnish VCL (deploy/varnish/newsroom.vcl) for the given app servers."

    def add_arguments(self, parser):
        parser.add_argument("backends", nargs="+", metavar="HOST:PORT", help="gunicorn app servers, round-robin")

    def handle(self, *args, backends, **options):
        parsed = []
        for backend in backends:
            host, _, port = backend.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise CommandError(f"{backend!r} is not HOST:PORT")
            parsed.append((host, int(port)))
        self.stdout.write(edge_vcl_render(backends=parsed), ending="")
