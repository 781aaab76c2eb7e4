/**
 * The OpsAgent library. Only the public API packages are exported; {@code io.opsagent.fsm.internal}
 * and its subpackages are not, and no exported signature names a type of the libraries the agent
 * is built on (Spring Statemachine, Reactor, OkHttp, Gson), so an embedder needs none of them on
 * its compile path.
 */
module io.opsagent.fsm {
    exports io.opsagent.fsm;
    exports io.opsagent.fsm.exec;
    exports io.opsagent.fsm.protocol;
    exports io.opsagent.fsm.spi;
    exports io.opsagent.fsm.testing;

    requires java.net.http;
    requires com.google.gson;
    requires okhttp3;
    requires okio;
    requires org.apache.logging.log4j;
    requires reactor.core;
    requires spring.beans;
    requires spring.messaging;
    requires spring.statemachine.core;
}
