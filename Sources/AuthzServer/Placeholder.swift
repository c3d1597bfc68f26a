import NIOPosix
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import Prometheus
import ServiceLifecycle
enum AuthzServerPlaceholder {}
