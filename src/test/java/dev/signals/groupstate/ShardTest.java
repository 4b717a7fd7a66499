package dev.signals.groupstate;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;
import static org.hamcrest.Matchers.lessThan;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashSet;
import java.util.Set;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.util.CoderUtils;
import org.junit.jupiter.api.Test;

/** How {@link GroupsWithState#withKeyShards} places keys and keeps a shard in state. */
class ShardTest {
  private static final StringUtf8Coder KEYS = StringUtf8Coder.of();

  @Test
  void aKeysShardComesFromItsEncodingAndSpreadsKeysOverAllShards() {
    Set<Integer> used = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String key = "device-" + i;
      int shard = Shard.of(key, KEYS, 16);
      assertThat(shard, allOf(greaterThanOrEqualTo(0), lessThan(16)));
      assertThat(Shard.of(new String(key.toCharArray()), KEYS, 16), equalTo(shard));
      used.add(shard);
    }
    assertThat(used.size(), equalTo(16));
  }

  @Test
  void aShardSurvivesItsCoder() throws Exception {
    Shard<String, Long> shard = new Shard<>(16);
    shard.tickArmed = true;
    shard.watermarkMs = 42L;
    shard.entry("a", KEYS).state = 7L;
    shard.entry("b", KEYS).book.pendingValues = 3;
    Shard.ShardCoder<String, Long> coder = Shard.ShardCoder.of(KEYS, VarLongCoder.of());

    Shard<String, Long> decoded = CoderUtils.clone(coder, shard);

    assertThat(decoded.shards, equalTo(16));
    assertThat(decoded.tickArmed, equalTo(true));
    assertThat(decoded.earlyArmed, equalTo(false));
    assertThat(decoded.watermarkMs, equalTo(42L));
    assertThat(decoded.entry("a", KEYS).state, equalTo(7L));
    assertThat(decoded.entry("b", KEYS).state, nullValue());
    assertThat(decoded.entry("b", KEYS).book.pendingValues, equalTo(3L));
  }

  @Test
  void stateWrittenWithAnotherNumberOfShardsIsRefusedNamingBoth() {
    assertThat(Shard.checked(null, 8), nullValue());
    Shard<String, Long> written = new Shard<>(8);
    assertThat(Shard.checked(written, 8), equalTo(written));

    IllegalStateException refused = assertThrows(IllegalStateException.class, () -> Shard.checked(written, 16));
    assertThat(refused.getMessage(), allOf(containsString("withKeyShards(8)"),
        containsString("withKeyShards(16)"), containsString("restore it with 8 shards")));
  }
}
