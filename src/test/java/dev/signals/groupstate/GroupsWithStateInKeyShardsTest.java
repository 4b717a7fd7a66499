package dev.signals.groupstate;

/**
 * Every case of {@link GroupsWithStateTest} with the keys kept in shards ({@link
 * GroupsWithState#withKeyShards}): the calls must be the same. Three shards for the cases' few
 * keys, so that keys share a shard and some shards stay empty.
 */
class GroupsWithStateInKeyShardsTest extends GroupsWithStateTest {
  @Override
  GroupsWithState<String, Integer, Integer, String> laidOut(
      GroupsWithState<String, Integer, Integer, String> transform) {
    return transform.withKeyShards(3);
  }
}
