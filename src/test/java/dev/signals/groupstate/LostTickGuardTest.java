package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.state.BagState;
import org.apache.beam.sdk.state.ReadableState;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.KV;
import org.joda.time.Duration;
import org.joda.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A key (or shard) whose tick timer was armed but never fired is armed again when values come
 * long after its tick; one armed recently is left alone (one timer per key). The DoFns are driven
 * directly, with in-memory state and a timer that records what is set, since no runner can be
 * made to lose a timer on purpose.
 */
class LostTickGuardTest {
  private static final TickGrid TEN_SECONDS = new TickGrid(Duration.standardSeconds(10), new Instant(0));
  private static final long LONG_AGO_MS = 11 * 60_000;
  private static final FlatMapGroupsWithStateFunction<String, Long, Long, Long> COUNT =
      (key, values, state) -> Collections.emptyIterator();

  @Test
  void aTickIsLostOnlyAfterTenIntervalsAndAtLeastAMinute() {
    LostTickGuard tenSeconds = new LostTickGuard(TEN_SECONDS);
    assertThat(tenSeconds.lost(KeyBook.NONE, 1_000_000, "key", "unknown"), equalTo(false));
    assertThat(tenSeconds.lost(0, 100_000, "key", "on time"), equalTo(false));
    assertThat(tenSeconds.lost(0, 100_001, "key", "lost"), equalTo(true));
    LostTickGuard twoSeconds = new LostTickGuard(new TickGrid(Duration.standardSeconds(2), new Instant(0)));
    assertThat(twoSeconds.lost(0, 60_000, "key", "late"), equalTo(false));
    assertThat(twoSeconds.lost(0, 60_001, "key", "lost"), equalTo(true));
  }

  @Test
  void aLostTickIsLoggedTheFirstTimeThenAtMostOnceAMinute() {
    LostTickGuard guard = new LostTickGuard(TEN_SECONDS);
    long now = System.currentTimeMillis();
    guard.lost(now - LONG_AGO_MS, now, "key", "a");
    guard.lost(now - LONG_AGO_MS, now + 59_999, "key", "b");
    assertThat(guard.warnings(), equalTo(1));
    guard.lost(now - LONG_AGO_MS, now + 60_000, "key", "c");
    assertThat(guard.warnings(), equalTo(2));
  }

  @Test
  void aKeyWhoseTickNeverFiredIsArmedAgainWhenValuesCome() {
    assertThat(timersSetForAKeyArmed(System.currentTimeMillis() - LONG_AGO_MS), equalTo(1));
  }

  @Test
  void aKeyWhoseTickIsStillToComeIsLeftAlone() {
    assertThat(timersSetForAKeyArmed(System.currentTimeMillis()), equalTo(0));
  }

  @Test
  void aShardWhoseTickNeverFiredIsArmedAgainWhenValuesCome() {
    assertThat(timersSetForAShardArmed(System.currentTimeMillis() - LONG_AGO_MS), equalTo(1));
  }

  @Test
  void aShardWhoseTickIsStillToComeIsLeftAlone() {
    assertThat(timersSetForAShardArmed(System.currentTimeMillis()), equalTo(0));
  }

  @Test
  void whenTheTickWasArmedSurvivesTheCoders() throws Exception {
    KeyBook book = new KeyBook();
    book.tickArmed(1234L);
    assertThat(CoderUtils.clone(KeyBook.KeyBookCoder.of(), book).tickArmedAtMs, equalTo(1234L));
    Shard<String, Long> shard = new Shard<>(4);
    shard.tickArmed(5678L);
    Shard.ShardCoder<String, Long> coder = Shard.ShardCoder.of(StringUtf8Coder.of(), VarLongCoder.of());
    assertThat(CoderUtils.clone(coder, shard).tickArmedAtMs, equalTo(5678L));
  }

  /** Processes one value for a key whose book says its tick timer was armed at {@code armedAtMs}. */
  private static int timersSetForAKeyArmed(long armedAtMs) {
    GroupsWithStateFn<String, Long, Long, Long> fn = new GroupsWithStateFn<>(COUNT,
        GroupStateTimeout.NoTimeout(), TEN_SECONDS, 1_000, false, VarLongCoder.of(), VarLongCoder.of(),
        VarLongCoder.of());
    KeyBook book = new KeyBook();
    book.pendingValues = 1;
    book.tickArmed(armedAtMs);
    InMemoryValue<KeyBook> bookCell = new InMemoryValue<>(book);
    RecordingTimer tick = new RecordingTimer();
    long before = System.currentTimeMillis();

    fn.processElement(KV.of("device-1", Arrival.values(CodedValues.of(List.of(1L), VarLongCoder.of()))), new InMemoryValue<>(null),
        new InMemoryBag<>(), bookCell, tick, new RecordingTimer());

    assertThat(bookCell.read().tickArmed, equalTo(true));
    assertThat(bookCell.read().pendingValues, equalTo(2L));
    if (tick.timesSet > 0) {
      assertThat(bookCell.read().tickArmedAtMs, greaterThanOrEqualTo(before));
    }
    return tick.timesSet;
  }

  /** Processes one value for a shard whose tick timer was armed at {@code armedAtMs}. */
  private static int timersSetForAShardArmed(long armedAtMs) {
    ShardedGroupsWithStateFn<String, Long, Long, Long> fn = new ShardedGroupsWithStateFn<>(COUNT,
        GroupStateTimeout.NoTimeout(), TEN_SECONDS, 1_000, false, StringUtf8Coder.of(), 4,
        VarLongCoder.of(), VarLongCoder.of(), VarLongCoder.of());
    Shard<String, Long> shard = new Shard<>(4);
    shard.tickArmed(armedAtMs);
    InMemoryValue<Shard<String, Long>> shardCell = new InMemoryValue<>(shard);
    RecordingTimer tick = new RecordingTimer();
    long before = System.currentTimeMillis();

    fn.processElement(KV.of(0, List.of(KV.of("device-1", Arrival.values(CodedValues.of(List.of(1L), VarLongCoder.of()))))), shardCell,
        new InMemoryBag<>(), tick, new RecordingTimer(), new RecordingTimer());

    assertThat(shardCell.read().tickArmed, equalTo(true));
    if (tick.timesSet > 0) {
      assertThat(shardCell.read().tickArmedAtMs, greaterThanOrEqualTo(before));
    }
    return tick.timesSet;
  }

  private static final class InMemoryValue<T> implements ValueState<T> {
    private T value;

    InMemoryValue(T value) {
      this.value = value;
    }

    @Override
    public void write(T input) {
      value = input;
    }

    @Override
    public T read() {
      return value;
    }

    @Override
    public ValueState<T> readLater() {
      return this;
    }

    @Override
    public void clear() {
      value = null;
    }
  }

  private static final class InMemoryBag<T> implements BagState<T> {
    private final List<T> items = new ArrayList<>();

    @Override
    public void add(T item) {
      items.add(item);
    }

    @Override
    public Iterable<T> read() {
      return items;
    }

    @Override
    public ReadableState<Boolean> isEmpty() {
      boolean empty = items.isEmpty();
      return new ReadableState<>() {
        @Override
        public Boolean read() {
          return empty;
        }

        @Override
        public ReadableState<Boolean> readLater() {
          return this;
        }
      };
    }

    @Override
    public BagState<T> readLater() {
      return this;
    }

    @Override
    public void clear() {
      items.clear();
    }
  }

  /** Counts how often the timer is set; offsets and alignment are the grid's business. */
  private static final class RecordingTimer implements Timer {
    int timesSet;

    @Override
    public void set(Instant absoluteTime) {
      timesSet++;
    }

    @Override
    public void setRelative() {
      timesSet++;
    }

    @Override
    public void clear() {
      throw new UnsupportedOperationException("the transform never deletes a timer");
    }

    @Override
    public Timer offset(Duration offset) {
      return this;
    }

    @Override
    public Timer align(Duration period) {
      return this;
    }

    @Override
    public Timer withOutputTimestamp(Instant outputTime) {
      return this;
    }

    @Override
    public Timer withNoOutputTimestamp() {
      return this;
    }

    @Override
    public Instant getCurrentRelativeTime() {
      return Instant.now();
    }
  }
}
