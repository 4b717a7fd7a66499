package dev.signals.groupstate;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import org.apache.beam.sdk.coders.CustomCoder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * The transform's own bookkeeping for one key, in one state cell so that a bundle reads and
 * writes it once: what is due at the key's next call, and which timer is set for it.
 */
final class KeyBook {
  static final long NONE = Long.MIN_VALUE;

  /** Values waiting in the bag for the key's next call. */
  long pendingValues;
  /** The tick timer is set for the next tick (values or an initial state wait), or for now. */
  boolean tickArmed;
  /** When the tick timer was last armed (wall clock), for {@link LostTickGuard}, or NONE. */
  long tickArmedAtMs = NONE;
  /** The tick timer is set for now: more than the cap of values wait. */
  boolean earlyCallArmed;
  /** The key has an initial state and was not called since it arrived. */
  boolean initialCallDue;
  /** The key's row of the initial state arrived (a second one is an error, as in Spark). */
  boolean initialStateSeen;
  /** Bounded input: the end-of-input timer is set. */
  boolean endTimerSet;
  /** Bounded input: the last call is made; nothing more happens. */
  boolean ended;
  /** Event-time timeout: the watermark passed it; the next tick makes the timed-out call. */
  boolean eventTimeoutFired;
  /** The timeout the last call set (processing or event time, epoch millis), or NONE. */
  long timeoutAtMs = NONE;
  /** The tick of the key's last call at a tick (not counting early calls), or NONE. */
  long lastCallTickMs = NONE;
  /** The newest event time this key saw the watermark pass, or NONE. */
  long watermarkMs = NONE;

  /** Notes that the tick timer was just armed, at {@code nowMs} on the wall clock. */
  void tickArmed(long nowMs) {
    tickArmed = true;
    tickArmedAtMs = nowMs;
  }

  /** Whether the key's next call has values to hand over (or its initial state to show). */
  boolean callDue() {
    return pendingValues > 0 || initialCallDue;
  }

  /** Whether nothing is left to remember: the key can be forgotten. */
  boolean isIdle() {
    return pendingValues == 0 && !tickArmed && !initialCallDue && !initialStateSeen
        && timeoutAtMs == NONE && !ended;
  }

  static final class KeyBookCoder extends CustomCoder<KeyBook> {
    private static final KeyBookCoder INSTANCE = new KeyBookCoder();
    private static final int TICK_ARMED = 1;
    private static final int EARLY_CALL_ARMED = 1 << 1;
    private static final int INITIAL_CALL_DUE = 1 << 2;
    private static final int INITIAL_STATE_SEEN = 1 << 3;
    private static final int END_TIMER_SET = 1 << 4;
    private static final int ENDED = 1 << 5;
    private static final int EVENT_TIMEOUT_FIRED = 1 << 6;
    private static final int HAS_TIMEOUT = 1 << 7;
    private static final int HAS_LAST_CALL = 1 << 8;
    private static final int HAS_WATERMARK = 1 << 9;
    private static final int HAS_TICK_ARMED_AT = 1 << 10; // absent in books written before it

    static KeyBookCoder of() {
      return INSTANCE;
    }

    @Override
    public void encode(KeyBook book, OutputStream out) throws IOException {
      int flags = (book.tickArmed ? TICK_ARMED : 0)
          | (book.earlyCallArmed ? EARLY_CALL_ARMED : 0)
          | (book.initialCallDue ? INITIAL_CALL_DUE : 0)
          | (book.initialStateSeen ? INITIAL_STATE_SEEN : 0)
          | (book.endTimerSet ? END_TIMER_SET : 0)
          | (book.ended ? ENDED : 0)
          | (book.eventTimeoutFired ? EVENT_TIMEOUT_FIRED : 0)
          | (book.timeoutAtMs != NONE ? HAS_TIMEOUT : 0)
          | (book.lastCallTickMs != NONE ? HAS_LAST_CALL : 0)
          | (book.watermarkMs != NONE ? HAS_WATERMARK : 0)
          | (book.tickArmed && book.tickArmedAtMs != NONE ? HAS_TICK_ARMED_AT : 0);
      VarIntCoder.of().encode(flags, out);
      VarLongCoder.of().encode(book.pendingValues, out);
      if (book.timeoutAtMs != NONE) {
        VarLongCoder.of().encode(book.timeoutAtMs, out);
      }
      if (book.lastCallTickMs != NONE) {
        VarLongCoder.of().encode(book.lastCallTickMs, out);
      }
      if (book.watermarkMs != NONE) {
        VarLongCoder.of().encode(book.watermarkMs, out);
      }
      if ((flags & HAS_TICK_ARMED_AT) != 0) {
        VarLongCoder.of().encode(book.tickArmedAtMs, out);
      }
    }

    @Override
    public KeyBook decode(InputStream in) throws IOException {
      KeyBook book = new KeyBook();
      int flags = VarIntCoder.of().decode(in);
      book.tickArmed = (flags & TICK_ARMED) != 0;
      book.earlyCallArmed = (flags & EARLY_CALL_ARMED) != 0;
      book.initialCallDue = (flags & INITIAL_CALL_DUE) != 0;
      book.initialStateSeen = (flags & INITIAL_STATE_SEEN) != 0;
      book.endTimerSet = (flags & END_TIMER_SET) != 0;
      book.ended = (flags & ENDED) != 0;
      book.eventTimeoutFired = (flags & EVENT_TIMEOUT_FIRED) != 0;
      book.pendingValues = VarLongCoder.of().decode(in);
      if ((flags & HAS_TIMEOUT) != 0) {
        book.timeoutAtMs = VarLongCoder.of().decode(in);
      }
      if ((flags & HAS_LAST_CALL) != 0) {
        book.lastCallTickMs = VarLongCoder.of().decode(in);
      }
      if ((flags & HAS_WATERMARK) != 0) {
        book.watermarkMs = VarLongCoder.of().decode(in);
      }
      if ((flags & HAS_TICK_ARMED_AT) != 0) {
        book.tickArmedAtMs = VarLongCoder.of().decode(in);
      }
      return book;
    }

    @Override
    public void verifyDeterministic() {}
  }
}
