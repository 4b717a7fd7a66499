package dev.signals.faults;

import dev.signals.CounterOptions;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Filter;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test-only steps the fault tests switch on through hidden options ({@code --testCountSeqsBelow},
 * {@code --testFailOnceAtSeq}); without them the pipeline has none of these steps.
 */
public final class FaultTestSwitches {
  private FaultTestSwitches() {}

  public static PCollection<Long> apply(PCollection<Long> seqs, CounterOptions options) {
    if (options.getTestCountSeqsBelow() > 0) {
      seqs = seqs.apply("TestOnlyCountSeqsBelow", Filter.lessThan(options.getTestCountSeqsBelow()));
    }
    if (options.getTestFailOnceAtSeq() >= 0) {
      seqs = seqs.apply("TestOnlyFailOnce", ParDo.of(new FailOnceFn(options.getTestFailOnceAtSeq())));
    }
    return seqs;
  }

  /** Throws on seq {@code failAt} the first time this JVM sees it; passes everything on. */
  static final class FailOnceFn extends DoFn<Long, Long> {
    /** Per JVM: a restarted task (same TaskManager) must not fail again on the replayed seq. */
    private static final AtomicBoolean FAILED = new AtomicBoolean();
    private static final Logger LOG = LoggerFactory.getLogger(FailOnceFn.class);
    private final long failAt;

    FailOnceFn(long failAt) {
      this.failAt = failAt;
    }

    @ProcessElement
    public void processElement(@Element Long seq, OutputReceiver<Long> out) {
      if (seq == failAt && FAILED.compareAndSet(false, true)) {
        String failure = "test-only failure injected at seq " + seq
            + " (--testFailOnceAtSeq); the job should restart from its last checkpoint";
        LOG.warn(failure);
        throw new IllegalStateException(failure);
      }
      out.output(seq);
    }
  }
}
