//! `__consumer_offsets` records are disk bytes: any bytes must decode to a
//! record or an error, never a panic or an unbounded allocation, and every
//! record strata writes — KIP-848 ones included — must decode back to itself.

use proptest::prelude::*;
use strata_coordinator::record::{ConsumerRecord, GroupRecord};
use strata_protocol::internal::group::consumer_group_current_member_assignment_value::TopicPartitions;
use strata_protocol::internal::group::{
    ConsumerGroupCurrentMemberAssignmentValue, ConsumerGroupMemberMetadataValue, ConsumerGroupMetadataValue,
};
use strata_protocol::Uuid;

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(key in proptest::collection::vec(any::<u8>(), 0..64),
                                   value in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..256)),
                                   version in 0i16..12) {
        // A valid key version in front makes the decoder go past the first field.
        let mut k = version.to_be_bytes().to_vec();
        k.extend(&key);
        let _ = GroupRecord::decode(&k, value.as_deref());
        let _ = GroupRecord::decode(&key, value.as_deref());
    }
}

#[test]
fn consumer_group_records_round_trip() {
    let member = ConsumerGroupMemberMetadataValue {
        instance_id: Some("i-1".into()),
        client_id: "c".into(),
        client_host: "/127.0.0.1".into(),
        subscribed_topic_names: vec!["t".into()],
        subscribed_topic_regex: Some("^re-.*".into()),
        rebalance_timeout_ms: 30_000,
        server_assignor: Some("range".into()),
        ..Default::default()
    };
    let current = ConsumerGroupCurrentMemberAssignmentValue {
        member_epoch: 4,
        previous_member_epoch: 3,
        state: 1,
        assigned_partitions: vec![TopicPartitions {
            topic_id: Uuid([9; 16]),
            partitions: vec![0, 2],
            ..Default::default()
        }],
        ..Default::default()
    };
    let records = [
        ConsumerRecord::Epoch(Some(ConsumerGroupMetadataValue { epoch: 7, ..Default::default() })),
        ConsumerRecord::Member("m".into(), Some(member)),
        ConsumerRecord::Current("m".into(), Some(current)),
        ConsumerRecord::Target("m".into(), None),
        ConsumerRecord::Epoch(None),
    ];
    for r in records {
        let record = GroupRecord::Consumer("g".into(), r);
        let (key, value) = record.encode();
        assert_eq!(GroupRecord::decode(&key, value.as_deref()).unwrap(), Some(record));
    }
}
