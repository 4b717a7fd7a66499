package dev.signals.e2e;

import dev.signals.DeviceSignalCounter;
import org.apache.logging.log4j.status.StatusLogger;
import org.slf4j.LoggerFactory;

/**
 * The program, with a shutdown hook that logs the way runners' hooks do at exit, for the test
 * that stdout carries reports only (DeviceSignalCounterIT). Half a second into the JVM's
 * shutdown, when the runner's hooks (and Log4j's own, if it had one) have had their go, the hook
 * asks for a logger no one asked for before and logs through it, then writes a message to
 * Log4j's status logger. Before src/main/resources/log4j2.xml said {@code dest="err"} and
 * {@code shutdownHook="disable"}, the first made Log4j print "Unable to register Log4j shutdown
 * hook because JVM is shutting down" on stdout (as once in CI), and the second went to stdout too.
 */
public final class LogsAtExit {
  static final String LOGGED = "test: logged at exit by a logger made then";
  static final String STATUS = "test: Log4j status message at exit";

  private LogsAtExit() {}

  public static void main(String[] args) {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        return;
      }
      LoggerFactory.getLogger("dev.signals.e2e.LogsAtExit.madeAtExit").warn(LOGGED);
      StatusLogger.getLogger().error(STATUS);
    }, "logs-at-exit"));
    DeviceSignalCounter.main(args);
  }
}
