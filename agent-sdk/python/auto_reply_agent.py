#!/usr/bin/python3
"""An agent console in Python: logs in to the broker's AgentConsole gRPC service, becomes
available, accepts the offers it gets and answers each conversation with one reply.

It shows that any language with gRPC can drive the console API: the Python code is generated
from the same proto/ files as the C++ SDK, at start, into a temporary folder (nothing generated
is committed). Debian packages: python3-grpcio, python3-grpc-tools.

  /usr/bin/python3 agent-sdk/python/auto_reply_agent.py --broker 127.0.0.1:50051 --agent alice \
      --reply "Thanks, we are on it" --offers 1

A broker with TLS: --ca FILE (and --cert/--key for mTLS); with agent tokens: --token-file FILE
(or OMNI_AGENT_TOKEN), sent as "authorization: Bearer <token>" on every call; --tenant NAME is
sent as "x-omni-tenant: NAME" on every call (the tenant the calls act for).

Exit status 0 once --offers offers were answered, 1 on an error or when --timeout passes.
"""

import argparse
import os
import queue
import sys
import tempfile
import uuid

PROTOS = ["common", "agent", "conversation", "customer", "event", "quality", "agent_console"]


def for_terminal(text):
    """Customer text as a terminal may show it: each terminal control (C0, DEL, C1, bidirectional
    overrides and isolates) as a visible \\uXXXX escape, so it cannot act on the terminal. The
    same rule as the C++ tools' (proto/base/terminal_text.h)."""
    def control(c):
        o = ord(c)
        return o < 0x20 or 0x7F <= o <= 0x9F or 0x202A <= o <= 0x202E or 0x2066 <= o <= 0x2069
    return "".join("\\u%04x" % ord(c) if control(c) else c for c in text)


def generate(proto_dir, out_dir):
    """Generates the Python messages and stubs of agent_console.proto (and what it imports)."""
    from grpc_tools import protoc
    import grpc_tools

    include = os.path.join(os.path.dirname(grpc_tools.__file__), "_proto")
    files = [os.path.join(proto_dir, "omnibroker", "v1", name + ".proto") for name in PROTOS]
    code = protoc.main(["protoc", "-I" + proto_dir, "-I" + include, "--python_out=" + out_dir,
                        "--grpc_python_out=" + out_dir] + files)
    if code != 0:
        raise RuntimeError("protoc failed on %s (exit %d)" % (proto_dir, code))
    sys.path.insert(0, out_dir)


class Console:
    """One Connect stream: requests go through a queue, updates are read in order."""

    def __init__(self, broker, agent_id, token, timeout, pb, rpc, credentials=None, tenant=""):
        import grpc

        self.pb = pb
        self.channel = grpc.secure_channel(broker, credentials) if credentials else grpc.insecure_channel(broker)
        self.stub = rpc.AgentConsoleStub(self.channel)
        self.agent_id = agent_id
        self.metadata = ([("x-omni-agent-id", agent_id)] + ([("authorization", "Bearer " + token)] if token else [])
                         + ([("x-omni-tenant", tenant)] if tenant else []))
        self.requests = queue.Queue()
        self.backlog = []  # updates read while waiting for a result
        self.updates = self.stub.Connect(iter(self.requests.get, None), metadata=self.metadata, timeout=timeout)
        self.call(pb.AgentRequest(login=pb.Login(agent_id=agent_id, token=token)))
        # The LoginResult comes before the login's result.
        self.login_result = next(u.login_result for u in self.backlog if u.WhichOneof("body") == "login_result")
        self.backlog = [u for u in self.backlog if u.WhichOneof("body") != "login_result"]

    def send(self, request):
        request.request_id = uuid.uuid4().hex
        self.requests.put(request)
        return request.request_id

    def call(self, request):
        """Sends `request` and reads until its result; other updates are kept for next()."""
        request_id = self.send(request)
        for update in self.updates:
            if update.WhichOneof("body") == "result" and update.result.request_id == request_id:
                if update.result.code != 0:
                    raise RuntimeError("%s refused: %s" % (request.WhichOneof("body"), update.result.message))
                return update.result
            self.backlog.append(update)
        raise RuntimeError("the stream ended")

    def next(self):
        if self.backlog:
            return self.backlog.pop(0)
        return next(self.updates)

    def history(self, conversation_id):
        return self.stub.GetHistory(self.pb.GetHistoryRequest(conversation_id=conversation_id, page_size=500),
                                    metadata=self.metadata, timeout=10)

    def close(self):
        self.requests.put(None)  # ends the request stream: the broker sees the agent go offline
        self.channel.close()


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--broker", default="127.0.0.1:50051")
    parser.add_argument("--agent", required=True)
    parser.add_argument("--token-file", help="the agent token (default: $OMNI_AGENT_TOKEN)")
    parser.add_argument("--tenant", default="", help="the tenant the calls act for (x-omni-tenant)")
    parser.add_argument("--ca", help="PEM CA of the broker's TLS certificate (turns TLS on)")
    parser.add_argument("--cert", help="PEM client certificate, for a broker that requires one")
    parser.add_argument("--key", help="PEM key of --cert")
    parser.add_argument("--reply", default="Thank you for your message, we are on it.")
    parser.add_argument("--offers", type=int, default=1, help="answer this many offers, then exit")
    parser.add_argument("--timeout", type=float, default=30, help="give up after this many seconds")
    parser.add_argument("--proto-dir", default=os.path.join(here, "..", "..", "proto"))
    args = parser.parse_args()

    import grpc

    token = os.environ.get("OMNI_AGENT_TOKEN", "")
    if args.token_file:
        with open(args.token_file) as f:
            token = f.read().strip()
    credentials = None
    if args.ca or args.cert:
        def pem(path):
            if not path:
                return None
            with open(path, "rb") as f:
                return f.read()
        credentials = grpc.ssl_channel_credentials(pem(args.ca), pem(args.key), pem(args.cert))

    with tempfile.TemporaryDirectory(prefix="omni-py-") as out_dir:
        generate(args.proto_dir, out_dir)
        from omnibroker.v1 import agent_console_pb2 as pb
        from omnibroker.v1 import agent_console_pb2_grpc as rpc
        from omnibroker.v1 import agent_pb2
        from omnibroker.v1 import event_pb2

        try:
            # The stream's deadline bounds the whole run.
            console = Console(args.broker, args.agent, token, args.timeout, pb, rpc, credentials, args.tenant)
            print("logged in as %s (session %s), %d conversations assigned" %
                  (args.agent, console.login_result.session, len(console.login_result.assigned)), flush=True)
            console.call(pb.AgentRequest(set_presence=pb.SetPresence(presence=agent_pb2.PRESENCE_AVAILABLE)))
            answered = 0
            while answered < args.offers:
                update = console.next()
                if update.WhichOneof("body") != "offer":
                    continue
                offer = update.offer
                print("offer %s: %s" % (offer.offer_id, for_terminal(offer.last_event.content.text)), flush=True)
                accepted = console.call(pb.AgentRequest(accept=pb.AcceptOffer(offer_id=offer.offer_id)))
                sent = console.call(pb.AgentRequest(send=pb.SendMessage(
                    conversation_id=accepted.conversation_id, client_message_id=uuid.uuid4().hex,
                    content=event_pb2.Content(text=args.reply))))
                events = console.history(accepted.conversation_id).events
                print("replied in %s as %s (%d events)" % (accepted.conversation_id, sent.event_id, len(events)),
                      flush=True)
                answered += 1
            console.close()
            return 0
        except (RuntimeError, grpc.RpcError, StopIteration) as error:
            print("error: %s" % error, file=sys.stderr, flush=True)
            return 1


if __name__ == "__main__":
    sys.exit(main())
