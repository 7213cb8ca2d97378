//! Every message of the Kafka protocol, generated from Kafka's message specs by
//! strata-protocol-gen; do not edit. Regenerate with `cargo xtask codegen`.

use crate::codec::Reader;
use crate::error::{DecodeError, EncodeError};
use crate::{decode_message, encode_message, Message, VersionRange};
use bytes::BytesMut;

pub mod add_offsets_to_txn_request;
pub use add_offsets_to_txn_request::AddOffsetsToTxnRequest;
pub mod add_offsets_to_txn_response;
pub use add_offsets_to_txn_response::AddOffsetsToTxnResponse;
pub mod add_partitions_to_txn_request;
pub use add_partitions_to_txn_request::AddPartitionsToTxnRequest;
pub mod add_partitions_to_txn_response;
pub use add_partitions_to_txn_response::AddPartitionsToTxnResponse;
pub mod add_raft_voter_request;
pub use add_raft_voter_request::AddRaftVoterRequest;
pub mod add_raft_voter_response;
pub use add_raft_voter_response::AddRaftVoterResponse;
pub mod allocate_producer_ids_request;
pub use allocate_producer_ids_request::AllocateProducerIdsRequest;
pub mod allocate_producer_ids_response;
pub use allocate_producer_ids_response::AllocateProducerIdsResponse;
pub mod alter_client_quotas_request;
pub use alter_client_quotas_request::AlterClientQuotasRequest;
pub mod alter_client_quotas_response;
pub use alter_client_quotas_response::AlterClientQuotasResponse;
pub mod alter_configs_request;
pub use alter_configs_request::AlterConfigsRequest;
pub mod alter_configs_response;
pub use alter_configs_response::AlterConfigsResponse;
pub mod alter_partition_reassignments_request;
pub use alter_partition_reassignments_request::AlterPartitionReassignmentsRequest;
pub mod alter_partition_reassignments_response;
pub use alter_partition_reassignments_response::AlterPartitionReassignmentsResponse;
pub mod alter_partition_request;
pub use alter_partition_request::AlterPartitionRequest;
pub mod alter_partition_response;
pub use alter_partition_response::AlterPartitionResponse;
pub mod alter_replica_log_dirs_request;
pub use alter_replica_log_dirs_request::AlterReplicaLogDirsRequest;
pub mod alter_replica_log_dirs_response;
pub use alter_replica_log_dirs_response::AlterReplicaLogDirsResponse;
pub mod alter_user_scram_credentials_request;
pub use alter_user_scram_credentials_request::AlterUserScramCredentialsRequest;
pub mod alter_user_scram_credentials_response;
pub use alter_user_scram_credentials_response::AlterUserScramCredentialsResponse;
pub mod api_versions_request;
pub use api_versions_request::ApiVersionsRequest;
pub mod api_versions_response;
pub use api_versions_response::ApiVersionsResponse;
pub mod assign_replicas_to_dirs_request;
pub use assign_replicas_to_dirs_request::AssignReplicasToDirsRequest;
pub mod assign_replicas_to_dirs_response;
pub use assign_replicas_to_dirs_response::AssignReplicasToDirsResponse;
pub mod begin_quorum_epoch_request;
pub use begin_quorum_epoch_request::BeginQuorumEpochRequest;
pub mod begin_quorum_epoch_response;
pub use begin_quorum_epoch_response::BeginQuorumEpochResponse;
pub mod broker_heartbeat_request;
pub use broker_heartbeat_request::BrokerHeartbeatRequest;
pub mod broker_heartbeat_response;
pub use broker_heartbeat_response::BrokerHeartbeatResponse;
pub mod broker_registration_request;
pub use broker_registration_request::BrokerRegistrationRequest;
pub mod broker_registration_response;
pub use broker_registration_response::BrokerRegistrationResponse;
pub mod consumer_group_describe_request;
pub use consumer_group_describe_request::ConsumerGroupDescribeRequest;
pub mod consumer_group_describe_response;
pub use consumer_group_describe_response::ConsumerGroupDescribeResponse;
pub mod consumer_group_heartbeat_request;
pub use consumer_group_heartbeat_request::ConsumerGroupHeartbeatRequest;
pub mod consumer_group_heartbeat_response;
pub use consumer_group_heartbeat_response::ConsumerGroupHeartbeatResponse;
pub mod consumer_protocol_assignment;
pub use consumer_protocol_assignment::ConsumerProtocolAssignment;
pub mod consumer_protocol_subscription;
pub use consumer_protocol_subscription::ConsumerProtocolSubscription;
pub mod controlled_shutdown_request;
pub use controlled_shutdown_request::ControlledShutdownRequest;
pub mod controlled_shutdown_response;
pub use controlled_shutdown_response::ControlledShutdownResponse;
pub mod controller_registration_request;
pub use controller_registration_request::ControllerRegistrationRequest;
pub mod controller_registration_response;
pub use controller_registration_response::ControllerRegistrationResponse;
pub mod create_acls_request;
pub use create_acls_request::CreateAclsRequest;
pub mod create_acls_response;
pub use create_acls_response::CreateAclsResponse;
pub mod create_delegation_token_request;
pub use create_delegation_token_request::CreateDelegationTokenRequest;
pub mod create_delegation_token_response;
pub use create_delegation_token_response::CreateDelegationTokenResponse;
pub mod create_partitions_request;
pub use create_partitions_request::CreatePartitionsRequest;
pub mod create_partitions_response;
pub use create_partitions_response::CreatePartitionsResponse;
pub mod create_topics_request;
pub use create_topics_request::CreateTopicsRequest;
pub mod create_topics_response;
pub use create_topics_response::CreateTopicsResponse;
pub mod default_principal_data;
pub use default_principal_data::DefaultPrincipalData;
pub mod delete_acls_request;
pub use delete_acls_request::DeleteAclsRequest;
pub mod delete_acls_response;
pub use delete_acls_response::DeleteAclsResponse;
pub mod delete_groups_request;
pub use delete_groups_request::DeleteGroupsRequest;
pub mod delete_groups_response;
pub use delete_groups_response::DeleteGroupsResponse;
pub mod delete_records_request;
pub use delete_records_request::DeleteRecordsRequest;
pub mod delete_records_response;
pub use delete_records_response::DeleteRecordsResponse;
pub mod delete_share_group_state_request;
pub use delete_share_group_state_request::DeleteShareGroupStateRequest;
pub mod delete_share_group_state_response;
pub use delete_share_group_state_response::DeleteShareGroupStateResponse;
pub mod delete_topics_request;
pub use delete_topics_request::DeleteTopicsRequest;
pub mod delete_topics_response;
pub use delete_topics_response::DeleteTopicsResponse;
pub mod describe_acls_request;
pub use describe_acls_request::DescribeAclsRequest;
pub mod describe_acls_response;
pub use describe_acls_response::DescribeAclsResponse;
pub mod describe_client_quotas_request;
pub use describe_client_quotas_request::DescribeClientQuotasRequest;
pub mod describe_client_quotas_response;
pub use describe_client_quotas_response::DescribeClientQuotasResponse;
pub mod describe_cluster_request;
pub use describe_cluster_request::DescribeClusterRequest;
pub mod describe_cluster_response;
pub use describe_cluster_response::DescribeClusterResponse;
pub mod describe_configs_request;
pub use describe_configs_request::DescribeConfigsRequest;
pub mod describe_configs_response;
pub use describe_configs_response::DescribeConfigsResponse;
pub mod describe_delegation_token_request;
pub use describe_delegation_token_request::DescribeDelegationTokenRequest;
pub mod describe_delegation_token_response;
pub use describe_delegation_token_response::DescribeDelegationTokenResponse;
pub mod describe_groups_request;
pub use describe_groups_request::DescribeGroupsRequest;
pub mod describe_groups_response;
pub use describe_groups_response::DescribeGroupsResponse;
pub mod describe_log_dirs_request;
pub use describe_log_dirs_request::DescribeLogDirsRequest;
pub mod describe_log_dirs_response;
pub use describe_log_dirs_response::DescribeLogDirsResponse;
pub mod describe_producers_request;
pub use describe_producers_request::DescribeProducersRequest;
pub mod describe_producers_response;
pub use describe_producers_response::DescribeProducersResponse;
pub mod describe_quorum_request;
pub use describe_quorum_request::DescribeQuorumRequest;
pub mod describe_quorum_response;
pub use describe_quorum_response::DescribeQuorumResponse;
pub mod describe_topic_partitions_request;
pub use describe_topic_partitions_request::DescribeTopicPartitionsRequest;
pub mod describe_topic_partitions_response;
pub use describe_topic_partitions_response::DescribeTopicPartitionsResponse;
pub mod describe_transactions_request;
pub use describe_transactions_request::DescribeTransactionsRequest;
pub mod describe_transactions_response;
pub use describe_transactions_response::DescribeTransactionsResponse;
pub mod describe_user_scram_credentials_request;
pub use describe_user_scram_credentials_request::DescribeUserScramCredentialsRequest;
pub mod describe_user_scram_credentials_response;
pub use describe_user_scram_credentials_response::DescribeUserScramCredentialsResponse;
pub mod elect_leaders_request;
pub use elect_leaders_request::ElectLeadersRequest;
pub mod elect_leaders_response;
pub use elect_leaders_response::ElectLeadersResponse;
pub mod end_quorum_epoch_request;
pub use end_quorum_epoch_request::EndQuorumEpochRequest;
pub mod end_quorum_epoch_response;
pub use end_quorum_epoch_response::EndQuorumEpochResponse;
pub mod end_txn_request;
pub use end_txn_request::EndTxnRequest;
pub mod end_txn_response;
pub use end_txn_response::EndTxnResponse;
pub mod envelope_request;
pub use envelope_request::EnvelopeRequest;
pub mod envelope_response;
pub use envelope_response::EnvelopeResponse;
pub mod expire_delegation_token_request;
pub use expire_delegation_token_request::ExpireDelegationTokenRequest;
pub mod expire_delegation_token_response;
pub use expire_delegation_token_response::ExpireDelegationTokenResponse;
pub mod fetch_request;
pub use fetch_request::FetchRequest;
pub mod fetch_response;
pub use fetch_response::FetchResponse;
pub mod fetch_snapshot_request;
pub use fetch_snapshot_request::FetchSnapshotRequest;
pub mod fetch_snapshot_response;
pub use fetch_snapshot_response::FetchSnapshotResponse;
pub mod find_coordinator_request;
pub use find_coordinator_request::FindCoordinatorRequest;
pub mod find_coordinator_response;
pub use find_coordinator_response::FindCoordinatorResponse;
pub mod get_telemetry_subscriptions_request;
pub use get_telemetry_subscriptions_request::GetTelemetrySubscriptionsRequest;
pub mod get_telemetry_subscriptions_response;
pub use get_telemetry_subscriptions_response::GetTelemetrySubscriptionsResponse;
pub mod heartbeat_request;
pub use heartbeat_request::HeartbeatRequest;
pub mod heartbeat_response;
pub use heartbeat_response::HeartbeatResponse;
pub mod incremental_alter_configs_request;
pub use incremental_alter_configs_request::IncrementalAlterConfigsRequest;
pub mod incremental_alter_configs_response;
pub use incremental_alter_configs_response::IncrementalAlterConfigsResponse;
pub mod init_producer_id_request;
pub use init_producer_id_request::InitProducerIdRequest;
pub mod init_producer_id_response;
pub use init_producer_id_response::InitProducerIdResponse;
pub mod initialize_share_group_state_request;
pub use initialize_share_group_state_request::InitializeShareGroupStateRequest;
pub mod initialize_share_group_state_response;
pub use initialize_share_group_state_response::InitializeShareGroupStateResponse;
pub mod join_group_request;
pub use join_group_request::JoinGroupRequest;
pub mod join_group_response;
pub use join_group_response::JoinGroupResponse;
pub mod k_raft_version_record;
pub use k_raft_version_record::KRaftVersionRecord;
pub mod leader_and_isr_request;
pub use leader_and_isr_request::LeaderAndIsrRequest;
pub mod leader_and_isr_response;
pub use leader_and_isr_response::LeaderAndIsrResponse;
pub mod leader_change_message;
pub use leader_change_message::LeaderChangeMessage;
pub mod leave_group_request;
pub use leave_group_request::LeaveGroupRequest;
pub mod leave_group_response;
pub use leave_group_response::LeaveGroupResponse;
pub mod list_client_metrics_resources_request;
pub use list_client_metrics_resources_request::ListClientMetricsResourcesRequest;
pub mod list_client_metrics_resources_response;
pub use list_client_metrics_resources_response::ListClientMetricsResourcesResponse;
pub mod list_groups_request;
pub use list_groups_request::ListGroupsRequest;
pub mod list_groups_response;
pub use list_groups_response::ListGroupsResponse;
pub mod list_offsets_request;
pub use list_offsets_request::ListOffsetsRequest;
pub mod list_offsets_response;
pub use list_offsets_response::ListOffsetsResponse;
pub mod list_partition_reassignments_request;
pub use list_partition_reassignments_request::ListPartitionReassignmentsRequest;
pub mod list_partition_reassignments_response;
pub use list_partition_reassignments_response::ListPartitionReassignmentsResponse;
pub mod list_transactions_request;
pub use list_transactions_request::ListTransactionsRequest;
pub mod list_transactions_response;
pub use list_transactions_response::ListTransactionsResponse;
pub mod metadata_request;
pub use metadata_request::MetadataRequest;
pub mod metadata_response;
pub use metadata_response::MetadataResponse;
pub mod offset_commit_request;
pub use offset_commit_request::OffsetCommitRequest;
pub mod offset_commit_response;
pub use offset_commit_response::OffsetCommitResponse;
pub mod offset_delete_request;
pub use offset_delete_request::OffsetDeleteRequest;
pub mod offset_delete_response;
pub use offset_delete_response::OffsetDeleteResponse;
pub mod offset_fetch_request;
pub use offset_fetch_request::OffsetFetchRequest;
pub mod offset_fetch_response;
pub use offset_fetch_response::OffsetFetchResponse;
pub mod offset_for_leader_epoch_request;
pub use offset_for_leader_epoch_request::OffsetForLeaderEpochRequest;
pub mod offset_for_leader_epoch_response;
pub use offset_for_leader_epoch_response::OffsetForLeaderEpochResponse;
pub mod produce_request;
pub use produce_request::ProduceRequest;
pub mod produce_response;
pub use produce_response::ProduceResponse;
pub mod push_telemetry_request;
pub use push_telemetry_request::PushTelemetryRequest;
pub mod push_telemetry_response;
pub use push_telemetry_response::PushTelemetryResponse;
pub mod read_share_group_state_request;
pub use read_share_group_state_request::ReadShareGroupStateRequest;
pub mod read_share_group_state_response;
pub use read_share_group_state_response::ReadShareGroupStateResponse;
pub mod read_share_group_state_summary_request;
pub use read_share_group_state_summary_request::ReadShareGroupStateSummaryRequest;
pub mod read_share_group_state_summary_response;
pub use read_share_group_state_summary_response::ReadShareGroupStateSummaryResponse;
pub mod remove_raft_voter_request;
pub use remove_raft_voter_request::RemoveRaftVoterRequest;
pub mod remove_raft_voter_response;
pub use remove_raft_voter_response::RemoveRaftVoterResponse;
pub mod renew_delegation_token_request;
pub use renew_delegation_token_request::RenewDelegationTokenRequest;
pub mod renew_delegation_token_response;
pub use renew_delegation_token_response::RenewDelegationTokenResponse;
pub mod request_header;
pub use request_header::RequestHeader;
pub mod response_header;
pub use response_header::ResponseHeader;
pub mod sasl_authenticate_request;
pub use sasl_authenticate_request::SaslAuthenticateRequest;
pub mod sasl_authenticate_response;
pub use sasl_authenticate_response::SaslAuthenticateResponse;
pub mod sasl_handshake_request;
pub use sasl_handshake_request::SaslHandshakeRequest;
pub mod sasl_handshake_response;
pub use sasl_handshake_response::SaslHandshakeResponse;
pub mod share_acknowledge_request;
pub use share_acknowledge_request::ShareAcknowledgeRequest;
pub mod share_acknowledge_response;
pub use share_acknowledge_response::ShareAcknowledgeResponse;
pub mod share_fetch_request;
pub use share_fetch_request::ShareFetchRequest;
pub mod share_fetch_response;
pub use share_fetch_response::ShareFetchResponse;
pub mod share_group_describe_request;
pub use share_group_describe_request::ShareGroupDescribeRequest;
pub mod share_group_describe_response;
pub use share_group_describe_response::ShareGroupDescribeResponse;
pub mod share_group_heartbeat_request;
pub use share_group_heartbeat_request::ShareGroupHeartbeatRequest;
pub mod share_group_heartbeat_response;
pub use share_group_heartbeat_response::ShareGroupHeartbeatResponse;
pub mod snapshot_footer_record;
pub use snapshot_footer_record::SnapshotFooterRecord;
pub mod snapshot_header_record;
pub use snapshot_header_record::SnapshotHeaderRecord;
pub mod stop_replica_request;
pub use stop_replica_request::StopReplicaRequest;
pub mod stop_replica_response;
pub use stop_replica_response::StopReplicaResponse;
pub mod sync_group_request;
pub use sync_group_request::SyncGroupRequest;
pub mod sync_group_response;
pub use sync_group_response::SyncGroupResponse;
pub mod txn_offset_commit_request;
pub use txn_offset_commit_request::TxnOffsetCommitRequest;
pub mod txn_offset_commit_response;
pub use txn_offset_commit_response::TxnOffsetCommitResponse;
pub mod unregister_broker_request;
pub use unregister_broker_request::UnregisterBrokerRequest;
pub mod unregister_broker_response;
pub use unregister_broker_response::UnregisterBrokerResponse;
pub mod update_features_request;
pub use update_features_request::UpdateFeaturesRequest;
pub mod update_features_response;
pub use update_features_response::UpdateFeaturesResponse;
pub mod update_metadata_request;
pub use update_metadata_request::UpdateMetadataRequest;
pub mod update_metadata_response;
pub use update_metadata_response::UpdateMetadataResponse;
pub mod update_raft_voter_request;
pub use update_raft_voter_request::UpdateRaftVoterRequest;
pub mod update_raft_voter_response;
pub use update_raft_voter_response::UpdateRaftVoterResponse;
pub mod vote_request;
pub use vote_request::VoteRequest;
pub mod vote_response;
pub use vote_response::VoteResponse;
pub mod voters_record;
pub use voters_record::VotersRecord;
pub mod write_share_group_state_request;
pub use write_share_group_state_request::WriteShareGroupStateRequest;
pub mod write_share_group_state_response;
pub use write_share_group_state_response::WriteShareGroupStateResponse;
pub mod write_txn_markers_request;
pub use write_txn_markers_request::WriteTxnMarkersRequest;
pub mod write_txn_markers_response;
pub use write_txn_markers_response::WriteTxnMarkersResponse;

/// A Kafka API, by its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(i16)]
pub enum ApiKey {
    /// Produce (key 0).
    Produce = 0,
    /// Fetch (key 1).
    Fetch = 1,
    /// ListOffsets (key 2).
    ListOffsets = 2,
    /// Metadata (key 3).
    Metadata = 3,
    /// LeaderAndIsr (key 4).
    LeaderAndIsr = 4,
    /// StopReplica (key 5).
    StopReplica = 5,
    /// UpdateMetadata (key 6).
    UpdateMetadata = 6,
    /// ControlledShutdown (key 7).
    ControlledShutdown = 7,
    /// OffsetCommit (key 8).
    OffsetCommit = 8,
    /// OffsetFetch (key 9).
    OffsetFetch = 9,
    /// FindCoordinator (key 10).
    FindCoordinator = 10,
    /// JoinGroup (key 11).
    JoinGroup = 11,
    /// Heartbeat (key 12).
    Heartbeat = 12,
    /// LeaveGroup (key 13).
    LeaveGroup = 13,
    /// SyncGroup (key 14).
    SyncGroup = 14,
    /// DescribeGroups (key 15).
    DescribeGroups = 15,
    /// ListGroups (key 16).
    ListGroups = 16,
    /// SaslHandshake (key 17).
    SaslHandshake = 17,
    /// ApiVersions (key 18).
    ApiVersions = 18,
    /// CreateTopics (key 19).
    CreateTopics = 19,
    /// DeleteTopics (key 20).
    DeleteTopics = 20,
    /// DeleteRecords (key 21).
    DeleteRecords = 21,
    /// InitProducerId (key 22).
    InitProducerId = 22,
    /// OffsetForLeaderEpoch (key 23).
    OffsetForLeaderEpoch = 23,
    /// AddPartitionsToTxn (key 24).
    AddPartitionsToTxn = 24,
    /// AddOffsetsToTxn (key 25).
    AddOffsetsToTxn = 25,
    /// EndTxn (key 26).
    EndTxn = 26,
    /// WriteTxnMarkers (key 27).
    WriteTxnMarkers = 27,
    /// TxnOffsetCommit (key 28).
    TxnOffsetCommit = 28,
    /// DescribeAcls (key 29).
    DescribeAcls = 29,
    /// CreateAcls (key 30).
    CreateAcls = 30,
    /// DeleteAcls (key 31).
    DeleteAcls = 31,
    /// DescribeConfigs (key 32).
    DescribeConfigs = 32,
    /// AlterConfigs (key 33).
    AlterConfigs = 33,
    /// AlterReplicaLogDirs (key 34).
    AlterReplicaLogDirs = 34,
    /// DescribeLogDirs (key 35).
    DescribeLogDirs = 35,
    /// SaslAuthenticate (key 36).
    SaslAuthenticate = 36,
    /// CreatePartitions (key 37).
    CreatePartitions = 37,
    /// CreateDelegationToken (key 38).
    CreateDelegationToken = 38,
    /// RenewDelegationToken (key 39).
    RenewDelegationToken = 39,
    /// ExpireDelegationToken (key 40).
    ExpireDelegationToken = 40,
    /// DescribeDelegationToken (key 41).
    DescribeDelegationToken = 41,
    /// DeleteGroups (key 42).
    DeleteGroups = 42,
    /// ElectLeaders (key 43).
    ElectLeaders = 43,
    /// IncrementalAlterConfigs (key 44).
    IncrementalAlterConfigs = 44,
    /// AlterPartitionReassignments (key 45).
    AlterPartitionReassignments = 45,
    /// ListPartitionReassignments (key 46).
    ListPartitionReassignments = 46,
    /// OffsetDelete (key 47).
    OffsetDelete = 47,
    /// DescribeClientQuotas (key 48).
    DescribeClientQuotas = 48,
    /// AlterClientQuotas (key 49).
    AlterClientQuotas = 49,
    /// DescribeUserScramCredentials (key 50).
    DescribeUserScramCredentials = 50,
    /// AlterUserScramCredentials (key 51).
    AlterUserScramCredentials = 51,
    /// Vote (key 52).
    Vote = 52,
    /// BeginQuorumEpoch (key 53).
    BeginQuorumEpoch = 53,
    /// EndQuorumEpoch (key 54).
    EndQuorumEpoch = 54,
    /// DescribeQuorum (key 55).
    DescribeQuorum = 55,
    /// AlterPartition (key 56).
    AlterPartition = 56,
    /// UpdateFeatures (key 57).
    UpdateFeatures = 57,
    /// Envelope (key 58).
    Envelope = 58,
    /// FetchSnapshot (key 59).
    FetchSnapshot = 59,
    /// DescribeCluster (key 60).
    DescribeCluster = 60,
    /// DescribeProducers (key 61).
    DescribeProducers = 61,
    /// BrokerRegistration (key 62).
    BrokerRegistration = 62,
    /// BrokerHeartbeat (key 63).
    BrokerHeartbeat = 63,
    /// UnregisterBroker (key 64).
    UnregisterBroker = 64,
    /// DescribeTransactions (key 65).
    DescribeTransactions = 65,
    /// ListTransactions (key 66).
    ListTransactions = 66,
    /// AllocateProducerIds (key 67).
    AllocateProducerIds = 67,
    /// ConsumerGroupHeartbeat (key 68).
    ConsumerGroupHeartbeat = 68,
    /// ConsumerGroupDescribe (key 69).
    ConsumerGroupDescribe = 69,
    /// ControllerRegistration (key 70).
    ControllerRegistration = 70,
    /// GetTelemetrySubscriptions (key 71).
    GetTelemetrySubscriptions = 71,
    /// PushTelemetry (key 72).
    PushTelemetry = 72,
    /// AssignReplicasToDirs (key 73).
    AssignReplicasToDirs = 73,
    /// ListClientMetricsResources (key 74).
    ListClientMetricsResources = 74,
    /// DescribeTopicPartitions (key 75).
    DescribeTopicPartitions = 75,
    /// ShareGroupHeartbeat (key 76).
    ShareGroupHeartbeat = 76,
    /// ShareGroupDescribe (key 77).
    ShareGroupDescribe = 77,
    /// ShareFetch (key 78).
    ShareFetch = 78,
    /// ShareAcknowledge (key 79).
    ShareAcknowledge = 79,
    /// AddRaftVoter (key 80).
    AddRaftVoter = 80,
    /// RemoveRaftVoter (key 81).
    RemoveRaftVoter = 81,
    /// UpdateRaftVoter (key 82).
    UpdateRaftVoter = 82,
    /// InitializeShareGroupState (key 83).
    InitializeShareGroupState = 83,
    /// ReadShareGroupState (key 84).
    ReadShareGroupState = 84,
    /// WriteShareGroupState (key 85).
    WriteShareGroupState = 85,
    /// DeleteShareGroupState (key 86).
    DeleteShareGroupState = 86,
    /// ReadShareGroupStateSummary (key 87).
    ReadShareGroupStateSummary = 87,
}

impl ApiKey {
    /// Every API, in key order.
    pub const ALL: &'static [ApiKey] = &[
        ApiKey::Produce,
        ApiKey::Fetch,
        ApiKey::ListOffsets,
        ApiKey::Metadata,
        ApiKey::LeaderAndIsr,
        ApiKey::StopReplica,
        ApiKey::UpdateMetadata,
        ApiKey::ControlledShutdown,
        ApiKey::OffsetCommit,
        ApiKey::OffsetFetch,
        ApiKey::FindCoordinator,
        ApiKey::JoinGroup,
        ApiKey::Heartbeat,
        ApiKey::LeaveGroup,
        ApiKey::SyncGroup,
        ApiKey::DescribeGroups,
        ApiKey::ListGroups,
        ApiKey::SaslHandshake,
        ApiKey::ApiVersions,
        ApiKey::CreateTopics,
        ApiKey::DeleteTopics,
        ApiKey::DeleteRecords,
        ApiKey::InitProducerId,
        ApiKey::OffsetForLeaderEpoch,
        ApiKey::AddPartitionsToTxn,
        ApiKey::AddOffsetsToTxn,
        ApiKey::EndTxn,
        ApiKey::WriteTxnMarkers,
        ApiKey::TxnOffsetCommit,
        ApiKey::DescribeAcls,
        ApiKey::CreateAcls,
        ApiKey::DeleteAcls,
        ApiKey::DescribeConfigs,
        ApiKey::AlterConfigs,
        ApiKey::AlterReplicaLogDirs,
        ApiKey::DescribeLogDirs,
        ApiKey::SaslAuthenticate,
        ApiKey::CreatePartitions,
        ApiKey::CreateDelegationToken,
        ApiKey::RenewDelegationToken,
        ApiKey::ExpireDelegationToken,
        ApiKey::DescribeDelegationToken,
        ApiKey::DeleteGroups,
        ApiKey::ElectLeaders,
        ApiKey::IncrementalAlterConfigs,
        ApiKey::AlterPartitionReassignments,
        ApiKey::ListPartitionReassignments,
        ApiKey::OffsetDelete,
        ApiKey::DescribeClientQuotas,
        ApiKey::AlterClientQuotas,
        ApiKey::DescribeUserScramCredentials,
        ApiKey::AlterUserScramCredentials,
        ApiKey::Vote,
        ApiKey::BeginQuorumEpoch,
        ApiKey::EndQuorumEpoch,
        ApiKey::DescribeQuorum,
        ApiKey::AlterPartition,
        ApiKey::UpdateFeatures,
        ApiKey::Envelope,
        ApiKey::FetchSnapshot,
        ApiKey::DescribeCluster,
        ApiKey::DescribeProducers,
        ApiKey::BrokerRegistration,
        ApiKey::BrokerHeartbeat,
        ApiKey::UnregisterBroker,
        ApiKey::DescribeTransactions,
        ApiKey::ListTransactions,
        ApiKey::AllocateProducerIds,
        ApiKey::ConsumerGroupHeartbeat,
        ApiKey::ConsumerGroupDescribe,
        ApiKey::ControllerRegistration,
        ApiKey::GetTelemetrySubscriptions,
        ApiKey::PushTelemetry,
        ApiKey::AssignReplicasToDirs,
        ApiKey::ListClientMetricsResources,
        ApiKey::DescribeTopicPartitions,
        ApiKey::ShareGroupHeartbeat,
        ApiKey::ShareGroupDescribe,
        ApiKey::ShareFetch,
        ApiKey::ShareAcknowledge,
        ApiKey::AddRaftVoter,
        ApiKey::RemoveRaftVoter,
        ApiKey::UpdateRaftVoter,
        ApiKey::InitializeShareGroupState,
        ApiKey::ReadShareGroupState,
        ApiKey::WriteShareGroupState,
        ApiKey::DeleteShareGroupState,
        ApiKey::ReadShareGroupStateSummary,
    ];

    /// The API with wire key `key`, if there is one.
    pub fn from_i16(key: i16) -> Option<ApiKey> {
        match key {
            0 => Some(ApiKey::Produce),
            1 => Some(ApiKey::Fetch),
            2 => Some(ApiKey::ListOffsets),
            3 => Some(ApiKey::Metadata),
            4 => Some(ApiKey::LeaderAndIsr),
            5 => Some(ApiKey::StopReplica),
            6 => Some(ApiKey::UpdateMetadata),
            7 => Some(ApiKey::ControlledShutdown),
            8 => Some(ApiKey::OffsetCommit),
            9 => Some(ApiKey::OffsetFetch),
            10 => Some(ApiKey::FindCoordinator),
            11 => Some(ApiKey::JoinGroup),
            12 => Some(ApiKey::Heartbeat),
            13 => Some(ApiKey::LeaveGroup),
            14 => Some(ApiKey::SyncGroup),
            15 => Some(ApiKey::DescribeGroups),
            16 => Some(ApiKey::ListGroups),
            17 => Some(ApiKey::SaslHandshake),
            18 => Some(ApiKey::ApiVersions),
            19 => Some(ApiKey::CreateTopics),
            20 => Some(ApiKey::DeleteTopics),
            21 => Some(ApiKey::DeleteRecords),
            22 => Some(ApiKey::InitProducerId),
            23 => Some(ApiKey::OffsetForLeaderEpoch),
            24 => Some(ApiKey::AddPartitionsToTxn),
            25 => Some(ApiKey::AddOffsetsToTxn),
            26 => Some(ApiKey::EndTxn),
            27 => Some(ApiKey::WriteTxnMarkers),
            28 => Some(ApiKey::TxnOffsetCommit),
            29 => Some(ApiKey::DescribeAcls),
            30 => Some(ApiKey::CreateAcls),
            31 => Some(ApiKey::DeleteAcls),
            32 => Some(ApiKey::DescribeConfigs),
            33 => Some(ApiKey::AlterConfigs),
            34 => Some(ApiKey::AlterReplicaLogDirs),
            35 => Some(ApiKey::DescribeLogDirs),
            36 => Some(ApiKey::SaslAuthenticate),
            37 => Some(ApiKey::CreatePartitions),
            38 => Some(ApiKey::CreateDelegationToken),
            39 => Some(ApiKey::RenewDelegationToken),
            40 => Some(ApiKey::ExpireDelegationToken),
            41 => Some(ApiKey::DescribeDelegationToken),
            42 => Some(ApiKey::DeleteGroups),
            43 => Some(ApiKey::ElectLeaders),
            44 => Some(ApiKey::IncrementalAlterConfigs),
            45 => Some(ApiKey::AlterPartitionReassignments),
            46 => Some(ApiKey::ListPartitionReassignments),
            47 => Some(ApiKey::OffsetDelete),
            48 => Some(ApiKey::DescribeClientQuotas),
            49 => Some(ApiKey::AlterClientQuotas),
            50 => Some(ApiKey::DescribeUserScramCredentials),
            51 => Some(ApiKey::AlterUserScramCredentials),
            52 => Some(ApiKey::Vote),
            53 => Some(ApiKey::BeginQuorumEpoch),
            54 => Some(ApiKey::EndQuorumEpoch),
            55 => Some(ApiKey::DescribeQuorum),
            56 => Some(ApiKey::AlterPartition),
            57 => Some(ApiKey::UpdateFeatures),
            58 => Some(ApiKey::Envelope),
            59 => Some(ApiKey::FetchSnapshot),
            60 => Some(ApiKey::DescribeCluster),
            61 => Some(ApiKey::DescribeProducers),
            62 => Some(ApiKey::BrokerRegistration),
            63 => Some(ApiKey::BrokerHeartbeat),
            64 => Some(ApiKey::UnregisterBroker),
            65 => Some(ApiKey::DescribeTransactions),
            66 => Some(ApiKey::ListTransactions),
            67 => Some(ApiKey::AllocateProducerIds),
            68 => Some(ApiKey::ConsumerGroupHeartbeat),
            69 => Some(ApiKey::ConsumerGroupDescribe),
            70 => Some(ApiKey::ControllerRegistration),
            71 => Some(ApiKey::GetTelemetrySubscriptions),
            72 => Some(ApiKey::PushTelemetry),
            73 => Some(ApiKey::AssignReplicasToDirs),
            74 => Some(ApiKey::ListClientMetricsResources),
            75 => Some(ApiKey::DescribeTopicPartitions),
            76 => Some(ApiKey::ShareGroupHeartbeat),
            77 => Some(ApiKey::ShareGroupDescribe),
            78 => Some(ApiKey::ShareFetch),
            79 => Some(ApiKey::ShareAcknowledge),
            80 => Some(ApiKey::AddRaftVoter),
            81 => Some(ApiKey::RemoveRaftVoter),
            82 => Some(ApiKey::UpdateRaftVoter),
            83 => Some(ApiKey::InitializeShareGroupState),
            84 => Some(ApiKey::ReadShareGroupState),
            85 => Some(ApiKey::WriteShareGroupState),
            86 => Some(ApiKey::DeleteShareGroupState),
            87 => Some(ApiKey::ReadShareGroupStateSummary),
            _ => None,
        }
    }

    /// The API's name as Kafka spells it.
    pub fn name(self) -> &'static str {
        match self {
            ApiKey::Produce => "Produce",
            ApiKey::Fetch => "Fetch",
            ApiKey::ListOffsets => "ListOffsets",
            ApiKey::Metadata => "Metadata",
            ApiKey::LeaderAndIsr => "LeaderAndIsr",
            ApiKey::StopReplica => "StopReplica",
            ApiKey::UpdateMetadata => "UpdateMetadata",
            ApiKey::ControlledShutdown => "ControlledShutdown",
            ApiKey::OffsetCommit => "OffsetCommit",
            ApiKey::OffsetFetch => "OffsetFetch",
            ApiKey::FindCoordinator => "FindCoordinator",
            ApiKey::JoinGroup => "JoinGroup",
            ApiKey::Heartbeat => "Heartbeat",
            ApiKey::LeaveGroup => "LeaveGroup",
            ApiKey::SyncGroup => "SyncGroup",
            ApiKey::DescribeGroups => "DescribeGroups",
            ApiKey::ListGroups => "ListGroups",
            ApiKey::SaslHandshake => "SaslHandshake",
            ApiKey::ApiVersions => "ApiVersions",
            ApiKey::CreateTopics => "CreateTopics",
            ApiKey::DeleteTopics => "DeleteTopics",
            ApiKey::DeleteRecords => "DeleteRecords",
            ApiKey::InitProducerId => "InitProducerId",
            ApiKey::OffsetForLeaderEpoch => "OffsetForLeaderEpoch",
            ApiKey::AddPartitionsToTxn => "AddPartitionsToTxn",
            ApiKey::AddOffsetsToTxn => "AddOffsetsToTxn",
            ApiKey::EndTxn => "EndTxn",
            ApiKey::WriteTxnMarkers => "WriteTxnMarkers",
            ApiKey::TxnOffsetCommit => "TxnOffsetCommit",
            ApiKey::DescribeAcls => "DescribeAcls",
            ApiKey::CreateAcls => "CreateAcls",
            ApiKey::DeleteAcls => "DeleteAcls",
            ApiKey::DescribeConfigs => "DescribeConfigs",
            ApiKey::AlterConfigs => "AlterConfigs",
            ApiKey::AlterReplicaLogDirs => "AlterReplicaLogDirs",
            ApiKey::DescribeLogDirs => "DescribeLogDirs",
            ApiKey::SaslAuthenticate => "SaslAuthenticate",
            ApiKey::CreatePartitions => "CreatePartitions",
            ApiKey::CreateDelegationToken => "CreateDelegationToken",
            ApiKey::RenewDelegationToken => "RenewDelegationToken",
            ApiKey::ExpireDelegationToken => "ExpireDelegationToken",
            ApiKey::DescribeDelegationToken => "DescribeDelegationToken",
            ApiKey::DeleteGroups => "DeleteGroups",
            ApiKey::ElectLeaders => "ElectLeaders",
            ApiKey::IncrementalAlterConfigs => "IncrementalAlterConfigs",
            ApiKey::AlterPartitionReassignments => "AlterPartitionReassignments",
            ApiKey::ListPartitionReassignments => "ListPartitionReassignments",
            ApiKey::OffsetDelete => "OffsetDelete",
            ApiKey::DescribeClientQuotas => "DescribeClientQuotas",
            ApiKey::AlterClientQuotas => "AlterClientQuotas",
            ApiKey::DescribeUserScramCredentials => "DescribeUserScramCredentials",
            ApiKey::AlterUserScramCredentials => "AlterUserScramCredentials",
            ApiKey::Vote => "Vote",
            ApiKey::BeginQuorumEpoch => "BeginQuorumEpoch",
            ApiKey::EndQuorumEpoch => "EndQuorumEpoch",
            ApiKey::DescribeQuorum => "DescribeQuorum",
            ApiKey::AlterPartition => "AlterPartition",
            ApiKey::UpdateFeatures => "UpdateFeatures",
            ApiKey::Envelope => "Envelope",
            ApiKey::FetchSnapshot => "FetchSnapshot",
            ApiKey::DescribeCluster => "DescribeCluster",
            ApiKey::DescribeProducers => "DescribeProducers",
            ApiKey::BrokerRegistration => "BrokerRegistration",
            ApiKey::BrokerHeartbeat => "BrokerHeartbeat",
            ApiKey::UnregisterBroker => "UnregisterBroker",
            ApiKey::DescribeTransactions => "DescribeTransactions",
            ApiKey::ListTransactions => "ListTransactions",
            ApiKey::AllocateProducerIds => "AllocateProducerIds",
            ApiKey::ConsumerGroupHeartbeat => "ConsumerGroupHeartbeat",
            ApiKey::ConsumerGroupDescribe => "ConsumerGroupDescribe",
            ApiKey::ControllerRegistration => "ControllerRegistration",
            ApiKey::GetTelemetrySubscriptions => "GetTelemetrySubscriptions",
            ApiKey::PushTelemetry => "PushTelemetry",
            ApiKey::AssignReplicasToDirs => "AssignReplicasToDirs",
            ApiKey::ListClientMetricsResources => "ListClientMetricsResources",
            ApiKey::DescribeTopicPartitions => "DescribeTopicPartitions",
            ApiKey::ShareGroupHeartbeat => "ShareGroupHeartbeat",
            ApiKey::ShareGroupDescribe => "ShareGroupDescribe",
            ApiKey::ShareFetch => "ShareFetch",
            ApiKey::ShareAcknowledge => "ShareAcknowledge",
            ApiKey::AddRaftVoter => "AddRaftVoter",
            ApiKey::RemoveRaftVoter => "RemoveRaftVoter",
            ApiKey::UpdateRaftVoter => "UpdateRaftVoter",
            ApiKey::InitializeShareGroupState => "InitializeShareGroupState",
            ApiKey::ReadShareGroupState => "ReadShareGroupState",
            ApiKey::WriteShareGroupState => "WriteShareGroupState",
            ApiKey::DeleteShareGroupState => "DeleteShareGroupState",
            ApiKey::ReadShareGroupStateSummary => "ReadShareGroupStateSummary",
        }
    }

    /// The versions the spec defines for the request.
    pub fn valid_versions(self) -> VersionRange {
        match self {
            ApiKey::Produce => ProduceRequest::VERSIONS,
            ApiKey::Fetch => FetchRequest::VERSIONS,
            ApiKey::ListOffsets => ListOffsetsRequest::VERSIONS,
            ApiKey::Metadata => MetadataRequest::VERSIONS,
            ApiKey::LeaderAndIsr => LeaderAndIsrRequest::VERSIONS,
            ApiKey::StopReplica => StopReplicaRequest::VERSIONS,
            ApiKey::UpdateMetadata => UpdateMetadataRequest::VERSIONS,
            ApiKey::ControlledShutdown => ControlledShutdownRequest::VERSIONS,
            ApiKey::OffsetCommit => OffsetCommitRequest::VERSIONS,
            ApiKey::OffsetFetch => OffsetFetchRequest::VERSIONS,
            ApiKey::FindCoordinator => FindCoordinatorRequest::VERSIONS,
            ApiKey::JoinGroup => JoinGroupRequest::VERSIONS,
            ApiKey::Heartbeat => HeartbeatRequest::VERSIONS,
            ApiKey::LeaveGroup => LeaveGroupRequest::VERSIONS,
            ApiKey::SyncGroup => SyncGroupRequest::VERSIONS,
            ApiKey::DescribeGroups => DescribeGroupsRequest::VERSIONS,
            ApiKey::ListGroups => ListGroupsRequest::VERSIONS,
            ApiKey::SaslHandshake => SaslHandshakeRequest::VERSIONS,
            ApiKey::ApiVersions => ApiVersionsRequest::VERSIONS,
            ApiKey::CreateTopics => CreateTopicsRequest::VERSIONS,
            ApiKey::DeleteTopics => DeleteTopicsRequest::VERSIONS,
            ApiKey::DeleteRecords => DeleteRecordsRequest::VERSIONS,
            ApiKey::InitProducerId => InitProducerIdRequest::VERSIONS,
            ApiKey::OffsetForLeaderEpoch => OffsetForLeaderEpochRequest::VERSIONS,
            ApiKey::AddPartitionsToTxn => AddPartitionsToTxnRequest::VERSIONS,
            ApiKey::AddOffsetsToTxn => AddOffsetsToTxnRequest::VERSIONS,
            ApiKey::EndTxn => EndTxnRequest::VERSIONS,
            ApiKey::WriteTxnMarkers => WriteTxnMarkersRequest::VERSIONS,
            ApiKey::TxnOffsetCommit => TxnOffsetCommitRequest::VERSIONS,
            ApiKey::DescribeAcls => DescribeAclsRequest::VERSIONS,
            ApiKey::CreateAcls => CreateAclsRequest::VERSIONS,
            ApiKey::DeleteAcls => DeleteAclsRequest::VERSIONS,
            ApiKey::DescribeConfigs => DescribeConfigsRequest::VERSIONS,
            ApiKey::AlterConfigs => AlterConfigsRequest::VERSIONS,
            ApiKey::AlterReplicaLogDirs => AlterReplicaLogDirsRequest::VERSIONS,
            ApiKey::DescribeLogDirs => DescribeLogDirsRequest::VERSIONS,
            ApiKey::SaslAuthenticate => SaslAuthenticateRequest::VERSIONS,
            ApiKey::CreatePartitions => CreatePartitionsRequest::VERSIONS,
            ApiKey::CreateDelegationToken => CreateDelegationTokenRequest::VERSIONS,
            ApiKey::RenewDelegationToken => RenewDelegationTokenRequest::VERSIONS,
            ApiKey::ExpireDelegationToken => ExpireDelegationTokenRequest::VERSIONS,
            ApiKey::DescribeDelegationToken => DescribeDelegationTokenRequest::VERSIONS,
            ApiKey::DeleteGroups => DeleteGroupsRequest::VERSIONS,
            ApiKey::ElectLeaders => ElectLeadersRequest::VERSIONS,
            ApiKey::IncrementalAlterConfigs => IncrementalAlterConfigsRequest::VERSIONS,
            ApiKey::AlterPartitionReassignments => AlterPartitionReassignmentsRequest::VERSIONS,
            ApiKey::ListPartitionReassignments => ListPartitionReassignmentsRequest::VERSIONS,
            ApiKey::OffsetDelete => OffsetDeleteRequest::VERSIONS,
            ApiKey::DescribeClientQuotas => DescribeClientQuotasRequest::VERSIONS,
            ApiKey::AlterClientQuotas => AlterClientQuotasRequest::VERSIONS,
            ApiKey::DescribeUserScramCredentials => DescribeUserScramCredentialsRequest::VERSIONS,
            ApiKey::AlterUserScramCredentials => AlterUserScramCredentialsRequest::VERSIONS,
            ApiKey::Vote => VoteRequest::VERSIONS,
            ApiKey::BeginQuorumEpoch => BeginQuorumEpochRequest::VERSIONS,
            ApiKey::EndQuorumEpoch => EndQuorumEpochRequest::VERSIONS,
            ApiKey::DescribeQuorum => DescribeQuorumRequest::VERSIONS,
            ApiKey::AlterPartition => AlterPartitionRequest::VERSIONS,
            ApiKey::UpdateFeatures => UpdateFeaturesRequest::VERSIONS,
            ApiKey::Envelope => EnvelopeRequest::VERSIONS,
            ApiKey::FetchSnapshot => FetchSnapshotRequest::VERSIONS,
            ApiKey::DescribeCluster => DescribeClusterRequest::VERSIONS,
            ApiKey::DescribeProducers => DescribeProducersRequest::VERSIONS,
            ApiKey::BrokerRegistration => BrokerRegistrationRequest::VERSIONS,
            ApiKey::BrokerHeartbeat => BrokerHeartbeatRequest::VERSIONS,
            ApiKey::UnregisterBroker => UnregisterBrokerRequest::VERSIONS,
            ApiKey::DescribeTransactions => DescribeTransactionsRequest::VERSIONS,
            ApiKey::ListTransactions => ListTransactionsRequest::VERSIONS,
            ApiKey::AllocateProducerIds => AllocateProducerIdsRequest::VERSIONS,
            ApiKey::ConsumerGroupHeartbeat => ConsumerGroupHeartbeatRequest::VERSIONS,
            ApiKey::ConsumerGroupDescribe => ConsumerGroupDescribeRequest::VERSIONS,
            ApiKey::ControllerRegistration => ControllerRegistrationRequest::VERSIONS,
            ApiKey::GetTelemetrySubscriptions => GetTelemetrySubscriptionsRequest::VERSIONS,
            ApiKey::PushTelemetry => PushTelemetryRequest::VERSIONS,
            ApiKey::AssignReplicasToDirs => AssignReplicasToDirsRequest::VERSIONS,
            ApiKey::ListClientMetricsResources => ListClientMetricsResourcesRequest::VERSIONS,
            ApiKey::DescribeTopicPartitions => DescribeTopicPartitionsRequest::VERSIONS,
            ApiKey::ShareGroupHeartbeat => ShareGroupHeartbeatRequest::VERSIONS,
            ApiKey::ShareGroupDescribe => ShareGroupDescribeRequest::VERSIONS,
            ApiKey::ShareFetch => ShareFetchRequest::VERSIONS,
            ApiKey::ShareAcknowledge => ShareAcknowledgeRequest::VERSIONS,
            ApiKey::AddRaftVoter => AddRaftVoterRequest::VERSIONS,
            ApiKey::RemoveRaftVoter => RemoveRaftVoterRequest::VERSIONS,
            ApiKey::UpdateRaftVoter => UpdateRaftVoterRequest::VERSIONS,
            ApiKey::InitializeShareGroupState => InitializeShareGroupStateRequest::VERSIONS,
            ApiKey::ReadShareGroupState => ReadShareGroupStateRequest::VERSIONS,
            ApiKey::WriteShareGroupState => WriteShareGroupStateRequest::VERSIONS,
            ApiKey::DeleteShareGroupState => DeleteShareGroupStateRequest::VERSIONS,
            ApiKey::ReadShareGroupStateSummary => ReadShareGroupStateSummaryRequest::VERSIONS,
        }
    }

    /// The request's flexible versions.
    pub fn request_flexible(self) -> VersionRange {
        match self {
            ApiKey::Produce => ProduceRequest::FLEXIBLE,
            ApiKey::Fetch => FetchRequest::FLEXIBLE,
            ApiKey::ListOffsets => ListOffsetsRequest::FLEXIBLE,
            ApiKey::Metadata => MetadataRequest::FLEXIBLE,
            ApiKey::LeaderAndIsr => LeaderAndIsrRequest::FLEXIBLE,
            ApiKey::StopReplica => StopReplicaRequest::FLEXIBLE,
            ApiKey::UpdateMetadata => UpdateMetadataRequest::FLEXIBLE,
            ApiKey::ControlledShutdown => ControlledShutdownRequest::FLEXIBLE,
            ApiKey::OffsetCommit => OffsetCommitRequest::FLEXIBLE,
            ApiKey::OffsetFetch => OffsetFetchRequest::FLEXIBLE,
            ApiKey::FindCoordinator => FindCoordinatorRequest::FLEXIBLE,
            ApiKey::JoinGroup => JoinGroupRequest::FLEXIBLE,
            ApiKey::Heartbeat => HeartbeatRequest::FLEXIBLE,
            ApiKey::LeaveGroup => LeaveGroupRequest::FLEXIBLE,
            ApiKey::SyncGroup => SyncGroupRequest::FLEXIBLE,
            ApiKey::DescribeGroups => DescribeGroupsRequest::FLEXIBLE,
            ApiKey::ListGroups => ListGroupsRequest::FLEXIBLE,
            ApiKey::SaslHandshake => SaslHandshakeRequest::FLEXIBLE,
            ApiKey::ApiVersions => ApiVersionsRequest::FLEXIBLE,
            ApiKey::CreateTopics => CreateTopicsRequest::FLEXIBLE,
            ApiKey::DeleteTopics => DeleteTopicsRequest::FLEXIBLE,
            ApiKey::DeleteRecords => DeleteRecordsRequest::FLEXIBLE,
            ApiKey::InitProducerId => InitProducerIdRequest::FLEXIBLE,
            ApiKey::OffsetForLeaderEpoch => OffsetForLeaderEpochRequest::FLEXIBLE,
            ApiKey::AddPartitionsToTxn => AddPartitionsToTxnRequest::FLEXIBLE,
            ApiKey::AddOffsetsToTxn => AddOffsetsToTxnRequest::FLEXIBLE,
            ApiKey::EndTxn => EndTxnRequest::FLEXIBLE,
            ApiKey::WriteTxnMarkers => WriteTxnMarkersRequest::FLEXIBLE,
            ApiKey::TxnOffsetCommit => TxnOffsetCommitRequest::FLEXIBLE,
            ApiKey::DescribeAcls => DescribeAclsRequest::FLEXIBLE,
            ApiKey::CreateAcls => CreateAclsRequest::FLEXIBLE,
            ApiKey::DeleteAcls => DeleteAclsRequest::FLEXIBLE,
            ApiKey::DescribeConfigs => DescribeConfigsRequest::FLEXIBLE,
            ApiKey::AlterConfigs => AlterConfigsRequest::FLEXIBLE,
            ApiKey::AlterReplicaLogDirs => AlterReplicaLogDirsRequest::FLEXIBLE,
            ApiKey::DescribeLogDirs => DescribeLogDirsRequest::FLEXIBLE,
            ApiKey::SaslAuthenticate => SaslAuthenticateRequest::FLEXIBLE,
            ApiKey::CreatePartitions => CreatePartitionsRequest::FLEXIBLE,
            ApiKey::CreateDelegationToken => CreateDelegationTokenRequest::FLEXIBLE,
            ApiKey::RenewDelegationToken => RenewDelegationTokenRequest::FLEXIBLE,
            ApiKey::ExpireDelegationToken => ExpireDelegationTokenRequest::FLEXIBLE,
            ApiKey::DescribeDelegationToken => DescribeDelegationTokenRequest::FLEXIBLE,
            ApiKey::DeleteGroups => DeleteGroupsRequest::FLEXIBLE,
            ApiKey::ElectLeaders => ElectLeadersRequest::FLEXIBLE,
            ApiKey::IncrementalAlterConfigs => IncrementalAlterConfigsRequest::FLEXIBLE,
            ApiKey::AlterPartitionReassignments => AlterPartitionReassignmentsRequest::FLEXIBLE,
            ApiKey::ListPartitionReassignments => ListPartitionReassignmentsRequest::FLEXIBLE,
            ApiKey::OffsetDelete => OffsetDeleteRequest::FLEXIBLE,
            ApiKey::DescribeClientQuotas => DescribeClientQuotasRequest::FLEXIBLE,
            ApiKey::AlterClientQuotas => AlterClientQuotasRequest::FLEXIBLE,
            ApiKey::DescribeUserScramCredentials => DescribeUserScramCredentialsRequest::FLEXIBLE,
            ApiKey::AlterUserScramCredentials => AlterUserScramCredentialsRequest::FLEXIBLE,
            ApiKey::Vote => VoteRequest::FLEXIBLE,
            ApiKey::BeginQuorumEpoch => BeginQuorumEpochRequest::FLEXIBLE,
            ApiKey::EndQuorumEpoch => EndQuorumEpochRequest::FLEXIBLE,
            ApiKey::DescribeQuorum => DescribeQuorumRequest::FLEXIBLE,
            ApiKey::AlterPartition => AlterPartitionRequest::FLEXIBLE,
            ApiKey::UpdateFeatures => UpdateFeaturesRequest::FLEXIBLE,
            ApiKey::Envelope => EnvelopeRequest::FLEXIBLE,
            ApiKey::FetchSnapshot => FetchSnapshotRequest::FLEXIBLE,
            ApiKey::DescribeCluster => DescribeClusterRequest::FLEXIBLE,
            ApiKey::DescribeProducers => DescribeProducersRequest::FLEXIBLE,
            ApiKey::BrokerRegistration => BrokerRegistrationRequest::FLEXIBLE,
            ApiKey::BrokerHeartbeat => BrokerHeartbeatRequest::FLEXIBLE,
            ApiKey::UnregisterBroker => UnregisterBrokerRequest::FLEXIBLE,
            ApiKey::DescribeTransactions => DescribeTransactionsRequest::FLEXIBLE,
            ApiKey::ListTransactions => ListTransactionsRequest::FLEXIBLE,
            ApiKey::AllocateProducerIds => AllocateProducerIdsRequest::FLEXIBLE,
            ApiKey::ConsumerGroupHeartbeat => ConsumerGroupHeartbeatRequest::FLEXIBLE,
            ApiKey::ConsumerGroupDescribe => ConsumerGroupDescribeRequest::FLEXIBLE,
            ApiKey::ControllerRegistration => ControllerRegistrationRequest::FLEXIBLE,
            ApiKey::GetTelemetrySubscriptions => GetTelemetrySubscriptionsRequest::FLEXIBLE,
            ApiKey::PushTelemetry => PushTelemetryRequest::FLEXIBLE,
            ApiKey::AssignReplicasToDirs => AssignReplicasToDirsRequest::FLEXIBLE,
            ApiKey::ListClientMetricsResources => ListClientMetricsResourcesRequest::FLEXIBLE,
            ApiKey::DescribeTopicPartitions => DescribeTopicPartitionsRequest::FLEXIBLE,
            ApiKey::ShareGroupHeartbeat => ShareGroupHeartbeatRequest::FLEXIBLE,
            ApiKey::ShareGroupDescribe => ShareGroupDescribeRequest::FLEXIBLE,
            ApiKey::ShareFetch => ShareFetchRequest::FLEXIBLE,
            ApiKey::ShareAcknowledge => ShareAcknowledgeRequest::FLEXIBLE,
            ApiKey::AddRaftVoter => AddRaftVoterRequest::FLEXIBLE,
            ApiKey::RemoveRaftVoter => RemoveRaftVoterRequest::FLEXIBLE,
            ApiKey::UpdateRaftVoter => UpdateRaftVoterRequest::FLEXIBLE,
            ApiKey::InitializeShareGroupState => InitializeShareGroupStateRequest::FLEXIBLE,
            ApiKey::ReadShareGroupState => ReadShareGroupStateRequest::FLEXIBLE,
            ApiKey::WriteShareGroupState => WriteShareGroupStateRequest::FLEXIBLE,
            ApiKey::DeleteShareGroupState => DeleteShareGroupStateRequest::FLEXIBLE,
            ApiKey::ReadShareGroupStateSummary => ReadShareGroupStateSummaryRequest::FLEXIBLE,
        }
    }

    /// The response's flexible versions.
    pub fn response_flexible(self) -> VersionRange {
        match self {
            ApiKey::Produce => ProduceResponse::FLEXIBLE,
            ApiKey::Fetch => FetchResponse::FLEXIBLE,
            ApiKey::ListOffsets => ListOffsetsResponse::FLEXIBLE,
            ApiKey::Metadata => MetadataResponse::FLEXIBLE,
            ApiKey::LeaderAndIsr => LeaderAndIsrResponse::FLEXIBLE,
            ApiKey::StopReplica => StopReplicaResponse::FLEXIBLE,
            ApiKey::UpdateMetadata => UpdateMetadataResponse::FLEXIBLE,
            ApiKey::ControlledShutdown => ControlledShutdownResponse::FLEXIBLE,
            ApiKey::OffsetCommit => OffsetCommitResponse::FLEXIBLE,
            ApiKey::OffsetFetch => OffsetFetchResponse::FLEXIBLE,
            ApiKey::FindCoordinator => FindCoordinatorResponse::FLEXIBLE,
            ApiKey::JoinGroup => JoinGroupResponse::FLEXIBLE,
            ApiKey::Heartbeat => HeartbeatResponse::FLEXIBLE,
            ApiKey::LeaveGroup => LeaveGroupResponse::FLEXIBLE,
            ApiKey::SyncGroup => SyncGroupResponse::FLEXIBLE,
            ApiKey::DescribeGroups => DescribeGroupsResponse::FLEXIBLE,
            ApiKey::ListGroups => ListGroupsResponse::FLEXIBLE,
            ApiKey::SaslHandshake => SaslHandshakeResponse::FLEXIBLE,
            ApiKey::ApiVersions => ApiVersionsResponse::FLEXIBLE,
            ApiKey::CreateTopics => CreateTopicsResponse::FLEXIBLE,
            ApiKey::DeleteTopics => DeleteTopicsResponse::FLEXIBLE,
            ApiKey::DeleteRecords => DeleteRecordsResponse::FLEXIBLE,
            ApiKey::InitProducerId => InitProducerIdResponse::FLEXIBLE,
            ApiKey::OffsetForLeaderEpoch => OffsetForLeaderEpochResponse::FLEXIBLE,
            ApiKey::AddPartitionsToTxn => AddPartitionsToTxnResponse::FLEXIBLE,
            ApiKey::AddOffsetsToTxn => AddOffsetsToTxnResponse::FLEXIBLE,
            ApiKey::EndTxn => EndTxnResponse::FLEXIBLE,
            ApiKey::WriteTxnMarkers => WriteTxnMarkersResponse::FLEXIBLE,
            ApiKey::TxnOffsetCommit => TxnOffsetCommitResponse::FLEXIBLE,
            ApiKey::DescribeAcls => DescribeAclsResponse::FLEXIBLE,
            ApiKey::CreateAcls => CreateAclsResponse::FLEXIBLE,
            ApiKey::DeleteAcls => DeleteAclsResponse::FLEXIBLE,
            ApiKey::DescribeConfigs => DescribeConfigsResponse::FLEXIBLE,
            ApiKey::AlterConfigs => AlterConfigsResponse::FLEXIBLE,
            ApiKey::AlterReplicaLogDirs => AlterReplicaLogDirsResponse::FLEXIBLE,
            ApiKey::DescribeLogDirs => DescribeLogDirsResponse::FLEXIBLE,
            ApiKey::SaslAuthenticate => SaslAuthenticateResponse::FLEXIBLE,
            ApiKey::CreatePartitions => CreatePartitionsResponse::FLEXIBLE,
            ApiKey::CreateDelegationToken => CreateDelegationTokenResponse::FLEXIBLE,
            ApiKey::RenewDelegationToken => RenewDelegationTokenResponse::FLEXIBLE,
            ApiKey::ExpireDelegationToken => ExpireDelegationTokenResponse::FLEXIBLE,
            ApiKey::DescribeDelegationToken => DescribeDelegationTokenResponse::FLEXIBLE,
            ApiKey::DeleteGroups => DeleteGroupsResponse::FLEXIBLE,
            ApiKey::ElectLeaders => ElectLeadersResponse::FLEXIBLE,
            ApiKey::IncrementalAlterConfigs => IncrementalAlterConfigsResponse::FLEXIBLE,
            ApiKey::AlterPartitionReassignments => AlterPartitionReassignmentsResponse::FLEXIBLE,
            ApiKey::ListPartitionReassignments => ListPartitionReassignmentsResponse::FLEXIBLE,
            ApiKey::OffsetDelete => OffsetDeleteResponse::FLEXIBLE,
            ApiKey::DescribeClientQuotas => DescribeClientQuotasResponse::FLEXIBLE,
            ApiKey::AlterClientQuotas => AlterClientQuotasResponse::FLEXIBLE,
            ApiKey::DescribeUserScramCredentials => DescribeUserScramCredentialsResponse::FLEXIBLE,
            ApiKey::AlterUserScramCredentials => AlterUserScramCredentialsResponse::FLEXIBLE,
            ApiKey::Vote => VoteResponse::FLEXIBLE,
            ApiKey::BeginQuorumEpoch => BeginQuorumEpochResponse::FLEXIBLE,
            ApiKey::EndQuorumEpoch => EndQuorumEpochResponse::FLEXIBLE,
            ApiKey::DescribeQuorum => DescribeQuorumResponse::FLEXIBLE,
            ApiKey::AlterPartition => AlterPartitionResponse::FLEXIBLE,
            ApiKey::UpdateFeatures => UpdateFeaturesResponse::FLEXIBLE,
            ApiKey::Envelope => EnvelopeResponse::FLEXIBLE,
            ApiKey::FetchSnapshot => FetchSnapshotResponse::FLEXIBLE,
            ApiKey::DescribeCluster => DescribeClusterResponse::FLEXIBLE,
            ApiKey::DescribeProducers => DescribeProducersResponse::FLEXIBLE,
            ApiKey::BrokerRegistration => BrokerRegistrationResponse::FLEXIBLE,
            ApiKey::BrokerHeartbeat => BrokerHeartbeatResponse::FLEXIBLE,
            ApiKey::UnregisterBroker => UnregisterBrokerResponse::FLEXIBLE,
            ApiKey::DescribeTransactions => DescribeTransactionsResponse::FLEXIBLE,
            ApiKey::ListTransactions => ListTransactionsResponse::FLEXIBLE,
            ApiKey::AllocateProducerIds => AllocateProducerIdsResponse::FLEXIBLE,
            ApiKey::ConsumerGroupHeartbeat => ConsumerGroupHeartbeatResponse::FLEXIBLE,
            ApiKey::ConsumerGroupDescribe => ConsumerGroupDescribeResponse::FLEXIBLE,
            ApiKey::ControllerRegistration => ControllerRegistrationResponse::FLEXIBLE,
            ApiKey::GetTelemetrySubscriptions => GetTelemetrySubscriptionsResponse::FLEXIBLE,
            ApiKey::PushTelemetry => PushTelemetryResponse::FLEXIBLE,
            ApiKey::AssignReplicasToDirs => AssignReplicasToDirsResponse::FLEXIBLE,
            ApiKey::ListClientMetricsResources => ListClientMetricsResourcesResponse::FLEXIBLE,
            ApiKey::DescribeTopicPartitions => DescribeTopicPartitionsResponse::FLEXIBLE,
            ApiKey::ShareGroupHeartbeat => ShareGroupHeartbeatResponse::FLEXIBLE,
            ApiKey::ShareGroupDescribe => ShareGroupDescribeResponse::FLEXIBLE,
            ApiKey::ShareFetch => ShareFetchResponse::FLEXIBLE,
            ApiKey::ShareAcknowledge => ShareAcknowledgeResponse::FLEXIBLE,
            ApiKey::AddRaftVoter => AddRaftVoterResponse::FLEXIBLE,
            ApiKey::RemoveRaftVoter => RemoveRaftVoterResponse::FLEXIBLE,
            ApiKey::UpdateRaftVoter => UpdateRaftVoterResponse::FLEXIBLE,
            ApiKey::InitializeShareGroupState => InitializeShareGroupStateResponse::FLEXIBLE,
            ApiKey::ReadShareGroupState => ReadShareGroupStateResponse::FLEXIBLE,
            ApiKey::WriteShareGroupState => WriteShareGroupStateResponse::FLEXIBLE,
            ApiKey::DeleteShareGroupState => DeleteShareGroupStateResponse::FLEXIBLE,
            ApiKey::ReadShareGroupStateSummary => ReadShareGroupStateSummaryResponse::FLEXIBLE,
        }
    }
}

/// The body of any request, by API.
#[derive(Debug, Clone, PartialEq)]
pub enum RequestBody {
    /// A Produce request.
    Produce(ProduceRequest),
    /// A Fetch request.
    Fetch(FetchRequest),
    /// A ListOffsets request.
    ListOffsets(ListOffsetsRequest),
    /// A Metadata request.
    Metadata(MetadataRequest),
    /// A LeaderAndIsr request.
    LeaderAndIsr(LeaderAndIsrRequest),
    /// A StopReplica request.
    StopReplica(StopReplicaRequest),
    /// A UpdateMetadata request.
    UpdateMetadata(UpdateMetadataRequest),
    /// A ControlledShutdown request.
    ControlledShutdown(ControlledShutdownRequest),
    /// A OffsetCommit request.
    OffsetCommit(OffsetCommitRequest),
    /// A OffsetFetch request.
    OffsetFetch(OffsetFetchRequest),
    /// A FindCoordinator request.
    FindCoordinator(FindCoordinatorRequest),
    /// A JoinGroup request.
    JoinGroup(JoinGroupRequest),
    /// A Heartbeat request.
    Heartbeat(HeartbeatRequest),
    /// A LeaveGroup request.
    LeaveGroup(LeaveGroupRequest),
    /// A SyncGroup request.
    SyncGroup(SyncGroupRequest),
    /// A DescribeGroups request.
    DescribeGroups(DescribeGroupsRequest),
    /// A ListGroups request.
    ListGroups(ListGroupsRequest),
    /// A SaslHandshake request.
    SaslHandshake(SaslHandshakeRequest),
    /// A ApiVersions request.
    ApiVersions(ApiVersionsRequest),
    /// A CreateTopics request.
    CreateTopics(CreateTopicsRequest),
    /// A DeleteTopics request.
    DeleteTopics(DeleteTopicsRequest),
    /// A DeleteRecords request.
    DeleteRecords(DeleteRecordsRequest),
    /// A InitProducerId request.
    InitProducerId(InitProducerIdRequest),
    /// A OffsetForLeaderEpoch request.
    OffsetForLeaderEpoch(OffsetForLeaderEpochRequest),
    /// A AddPartitionsToTxn request.
    AddPartitionsToTxn(AddPartitionsToTxnRequest),
    /// A AddOffsetsToTxn request.
    AddOffsetsToTxn(AddOffsetsToTxnRequest),
    /// A EndTxn request.
    EndTxn(EndTxnRequest),
    /// A WriteTxnMarkers request.
    WriteTxnMarkers(WriteTxnMarkersRequest),
    /// A TxnOffsetCommit request.
    TxnOffsetCommit(TxnOffsetCommitRequest),
    /// A DescribeAcls request.
    DescribeAcls(DescribeAclsRequest),
    /// A CreateAcls request.
    CreateAcls(CreateAclsRequest),
    /// A DeleteAcls request.
    DeleteAcls(DeleteAclsRequest),
    /// A DescribeConfigs request.
    DescribeConfigs(DescribeConfigsRequest),
    /// A AlterConfigs request.
    AlterConfigs(AlterConfigsRequest),
    /// A AlterReplicaLogDirs request.
    AlterReplicaLogDirs(AlterReplicaLogDirsRequest),
    /// A DescribeLogDirs request.
    DescribeLogDirs(DescribeLogDirsRequest),
    /// A SaslAuthenticate request.
    SaslAuthenticate(SaslAuthenticateRequest),
    /// A CreatePartitions request.
    CreatePartitions(CreatePartitionsRequest),
    /// A CreateDelegationToken request.
    CreateDelegationToken(CreateDelegationTokenRequest),
    /// A RenewDelegationToken request.
    RenewDelegationToken(RenewDelegationTokenRequest),
    /// A ExpireDelegationToken request.
    ExpireDelegationToken(ExpireDelegationTokenRequest),
    /// A DescribeDelegationToken request.
    DescribeDelegationToken(DescribeDelegationTokenRequest),
    /// A DeleteGroups request.
    DeleteGroups(DeleteGroupsRequest),
    /// A ElectLeaders request.
    ElectLeaders(ElectLeadersRequest),
    /// A IncrementalAlterConfigs request.
    IncrementalAlterConfigs(IncrementalAlterConfigsRequest),
    /// A AlterPartitionReassignments request.
    AlterPartitionReassignments(AlterPartitionReassignmentsRequest),
    /// A ListPartitionReassignments request.
    ListPartitionReassignments(ListPartitionReassignmentsRequest),
    /// A OffsetDelete request.
    OffsetDelete(OffsetDeleteRequest),
    /// A DescribeClientQuotas request.
    DescribeClientQuotas(DescribeClientQuotasRequest),
    /// A AlterClientQuotas request.
    AlterClientQuotas(AlterClientQuotasRequest),
    /// A DescribeUserScramCredentials request.
    DescribeUserScramCredentials(DescribeUserScramCredentialsRequest),
    /// A AlterUserScramCredentials request.
    AlterUserScramCredentials(AlterUserScramCredentialsRequest),
    /// A Vote request.
    Vote(VoteRequest),
    /// A BeginQuorumEpoch request.
    BeginQuorumEpoch(BeginQuorumEpochRequest),
    /// A EndQuorumEpoch request.
    EndQuorumEpoch(EndQuorumEpochRequest),
    /// A DescribeQuorum request.
    DescribeQuorum(DescribeQuorumRequest),
    /// A AlterPartition request.
    AlterPartition(AlterPartitionRequest),
    /// A UpdateFeatures request.
    UpdateFeatures(UpdateFeaturesRequest),
    /// A Envelope request.
    Envelope(EnvelopeRequest),
    /// A FetchSnapshot request.
    FetchSnapshot(FetchSnapshotRequest),
    /// A DescribeCluster request.
    DescribeCluster(DescribeClusterRequest),
    /// A DescribeProducers request.
    DescribeProducers(DescribeProducersRequest),
    /// A BrokerRegistration request.
    BrokerRegistration(BrokerRegistrationRequest),
    /// A BrokerHeartbeat request.
    BrokerHeartbeat(BrokerHeartbeatRequest),
    /// A UnregisterBroker request.
    UnregisterBroker(UnregisterBrokerRequest),
    /// A DescribeTransactions request.
    DescribeTransactions(DescribeTransactionsRequest),
    /// A ListTransactions request.
    ListTransactions(ListTransactionsRequest),
    /// A AllocateProducerIds request.
    AllocateProducerIds(AllocateProducerIdsRequest),
    /// A ConsumerGroupHeartbeat request.
    ConsumerGroupHeartbeat(ConsumerGroupHeartbeatRequest),
    /// A ConsumerGroupDescribe request.
    ConsumerGroupDescribe(ConsumerGroupDescribeRequest),
    /// A ControllerRegistration request.
    ControllerRegistration(ControllerRegistrationRequest),
    /// A GetTelemetrySubscriptions request.
    GetTelemetrySubscriptions(GetTelemetrySubscriptionsRequest),
    /// A PushTelemetry request.
    PushTelemetry(PushTelemetryRequest),
    /// A AssignReplicasToDirs request.
    AssignReplicasToDirs(AssignReplicasToDirsRequest),
    /// A ListClientMetricsResources request.
    ListClientMetricsResources(ListClientMetricsResourcesRequest),
    /// A DescribeTopicPartitions request.
    DescribeTopicPartitions(DescribeTopicPartitionsRequest),
    /// A ShareGroupHeartbeat request.
    ShareGroupHeartbeat(ShareGroupHeartbeatRequest),
    /// A ShareGroupDescribe request.
    ShareGroupDescribe(ShareGroupDescribeRequest),
    /// A ShareFetch request.
    ShareFetch(ShareFetchRequest),
    /// A ShareAcknowledge request.
    ShareAcknowledge(ShareAcknowledgeRequest),
    /// A AddRaftVoter request.
    AddRaftVoter(AddRaftVoterRequest),
    /// A RemoveRaftVoter request.
    RemoveRaftVoter(RemoveRaftVoterRequest),
    /// A UpdateRaftVoter request.
    UpdateRaftVoter(UpdateRaftVoterRequest),
    /// A InitializeShareGroupState request.
    InitializeShareGroupState(InitializeShareGroupStateRequest),
    /// A ReadShareGroupState request.
    ReadShareGroupState(ReadShareGroupStateRequest),
    /// A WriteShareGroupState request.
    WriteShareGroupState(WriteShareGroupStateRequest),
    /// A DeleteShareGroupState request.
    DeleteShareGroupState(DeleteShareGroupStateRequest),
    /// A ReadShareGroupStateSummary request.
    ReadShareGroupStateSummary(ReadShareGroupStateSummaryRequest),
}

impl RequestBody {
    /// The API of this request.
    pub fn api_key(&self) -> ApiKey {
        match self {
            RequestBody::Produce(_) => ApiKey::Produce,
            RequestBody::Fetch(_) => ApiKey::Fetch,
            RequestBody::ListOffsets(_) => ApiKey::ListOffsets,
            RequestBody::Metadata(_) => ApiKey::Metadata,
            RequestBody::LeaderAndIsr(_) => ApiKey::LeaderAndIsr,
            RequestBody::StopReplica(_) => ApiKey::StopReplica,
            RequestBody::UpdateMetadata(_) => ApiKey::UpdateMetadata,
            RequestBody::ControlledShutdown(_) => ApiKey::ControlledShutdown,
            RequestBody::OffsetCommit(_) => ApiKey::OffsetCommit,
            RequestBody::OffsetFetch(_) => ApiKey::OffsetFetch,
            RequestBody::FindCoordinator(_) => ApiKey::FindCoordinator,
            RequestBody::JoinGroup(_) => ApiKey::JoinGroup,
            RequestBody::Heartbeat(_) => ApiKey::Heartbeat,
            RequestBody::LeaveGroup(_) => ApiKey::LeaveGroup,
            RequestBody::SyncGroup(_) => ApiKey::SyncGroup,
            RequestBody::DescribeGroups(_) => ApiKey::DescribeGroups,
            RequestBody::ListGroups(_) => ApiKey::ListGroups,
            RequestBody::SaslHandshake(_) => ApiKey::SaslHandshake,
            RequestBody::ApiVersions(_) => ApiKey::ApiVersions,
            RequestBody::CreateTopics(_) => ApiKey::CreateTopics,
            RequestBody::DeleteTopics(_) => ApiKey::DeleteTopics,
            RequestBody::DeleteRecords(_) => ApiKey::DeleteRecords,
            RequestBody::InitProducerId(_) => ApiKey::InitProducerId,
            RequestBody::OffsetForLeaderEpoch(_) => ApiKey::OffsetForLeaderEpoch,
            RequestBody::AddPartitionsToTxn(_) => ApiKey::AddPartitionsToTxn,
            RequestBody::AddOffsetsToTxn(_) => ApiKey::AddOffsetsToTxn,
            RequestBody::EndTxn(_) => ApiKey::EndTxn,
            RequestBody::WriteTxnMarkers(_) => ApiKey::WriteTxnMarkers,
            RequestBody::TxnOffsetCommit(_) => ApiKey::TxnOffsetCommit,
            RequestBody::DescribeAcls(_) => ApiKey::DescribeAcls,
            RequestBody::CreateAcls(_) => ApiKey::CreateAcls,
            RequestBody::DeleteAcls(_) => ApiKey::DeleteAcls,
            RequestBody::DescribeConfigs(_) => ApiKey::DescribeConfigs,
            RequestBody::AlterConfigs(_) => ApiKey::AlterConfigs,
            RequestBody::AlterReplicaLogDirs(_) => ApiKey::AlterReplicaLogDirs,
            RequestBody::DescribeLogDirs(_) => ApiKey::DescribeLogDirs,
            RequestBody::SaslAuthenticate(_) => ApiKey::SaslAuthenticate,
            RequestBody::CreatePartitions(_) => ApiKey::CreatePartitions,
            RequestBody::CreateDelegationToken(_) => ApiKey::CreateDelegationToken,
            RequestBody::RenewDelegationToken(_) => ApiKey::RenewDelegationToken,
            RequestBody::ExpireDelegationToken(_) => ApiKey::ExpireDelegationToken,
            RequestBody::DescribeDelegationToken(_) => ApiKey::DescribeDelegationToken,
            RequestBody::DeleteGroups(_) => ApiKey::DeleteGroups,
            RequestBody::ElectLeaders(_) => ApiKey::ElectLeaders,
            RequestBody::IncrementalAlterConfigs(_) => ApiKey::IncrementalAlterConfigs,
            RequestBody::AlterPartitionReassignments(_) => ApiKey::AlterPartitionReassignments,
            RequestBody::ListPartitionReassignments(_) => ApiKey::ListPartitionReassignments,
            RequestBody::OffsetDelete(_) => ApiKey::OffsetDelete,
            RequestBody::DescribeClientQuotas(_) => ApiKey::DescribeClientQuotas,
            RequestBody::AlterClientQuotas(_) => ApiKey::AlterClientQuotas,
            RequestBody::DescribeUserScramCredentials(_) => ApiKey::DescribeUserScramCredentials,
            RequestBody::AlterUserScramCredentials(_) => ApiKey::AlterUserScramCredentials,
            RequestBody::Vote(_) => ApiKey::Vote,
            RequestBody::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
            RequestBody::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
            RequestBody::DescribeQuorum(_) => ApiKey::DescribeQuorum,
            RequestBody::AlterPartition(_) => ApiKey::AlterPartition,
            RequestBody::UpdateFeatures(_) => ApiKey::UpdateFeatures,
            RequestBody::Envelope(_) => ApiKey::Envelope,
            RequestBody::FetchSnapshot(_) => ApiKey::FetchSnapshot,
            RequestBody::DescribeCluster(_) => ApiKey::DescribeCluster,
            RequestBody::DescribeProducers(_) => ApiKey::DescribeProducers,
            RequestBody::BrokerRegistration(_) => ApiKey::BrokerRegistration,
            RequestBody::BrokerHeartbeat(_) => ApiKey::BrokerHeartbeat,
            RequestBody::UnregisterBroker(_) => ApiKey::UnregisterBroker,
            RequestBody::DescribeTransactions(_) => ApiKey::DescribeTransactions,
            RequestBody::ListTransactions(_) => ApiKey::ListTransactions,
            RequestBody::AllocateProducerIds(_) => ApiKey::AllocateProducerIds,
            RequestBody::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
            RequestBody::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
            RequestBody::ControllerRegistration(_) => ApiKey::ControllerRegistration,
            RequestBody::GetTelemetrySubscriptions(_) => ApiKey::GetTelemetrySubscriptions,
            RequestBody::PushTelemetry(_) => ApiKey::PushTelemetry,
            RequestBody::AssignReplicasToDirs(_) => ApiKey::AssignReplicasToDirs,
            RequestBody::ListClientMetricsResources(_) => ApiKey::ListClientMetricsResources,
            RequestBody::DescribeTopicPartitions(_) => ApiKey::DescribeTopicPartitions,
            RequestBody::ShareGroupHeartbeat(_) => ApiKey::ShareGroupHeartbeat,
            RequestBody::ShareGroupDescribe(_) => ApiKey::ShareGroupDescribe,
            RequestBody::ShareFetch(_) => ApiKey::ShareFetch,
            RequestBody::ShareAcknowledge(_) => ApiKey::ShareAcknowledge,
            RequestBody::AddRaftVoter(_) => ApiKey::AddRaftVoter,
            RequestBody::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
            RequestBody::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
            RequestBody::InitializeShareGroupState(_) => ApiKey::InitializeShareGroupState,
            RequestBody::ReadShareGroupState(_) => ApiKey::ReadShareGroupState,
            RequestBody::WriteShareGroupState(_) => ApiKey::WriteShareGroupState,
            RequestBody::DeleteShareGroupState(_) => ApiKey::DeleteShareGroupState,
            RequestBody::ReadShareGroupStateSummary(_) => ApiKey::ReadShareGroupStateSummary,
        }
    }

    /// Decodes a request body of API `key` at `version`; the version must be one the spec defines.
    pub fn decode(key: ApiKey, version: i16, r: &mut Reader) -> Result<Self, DecodeError> {
        match key {
            ApiKey::Produce => decode_message::<ProduceRequest>(r, version).map(RequestBody::Produce),
            ApiKey::Fetch => decode_message::<FetchRequest>(r, version).map(RequestBody::Fetch),
            ApiKey::ListOffsets => decode_message::<ListOffsetsRequest>(r, version).map(RequestBody::ListOffsets),
            ApiKey::Metadata => decode_message::<MetadataRequest>(r, version).map(RequestBody::Metadata),
            ApiKey::LeaderAndIsr => decode_message::<LeaderAndIsrRequest>(r, version).map(RequestBody::LeaderAndIsr),
            ApiKey::StopReplica => decode_message::<StopReplicaRequest>(r, version).map(RequestBody::StopReplica),
            ApiKey::UpdateMetadata => {
                decode_message::<UpdateMetadataRequest>(r, version).map(RequestBody::UpdateMetadata)
            }
            ApiKey::ControlledShutdown => {
                decode_message::<ControlledShutdownRequest>(r, version).map(RequestBody::ControlledShutdown)
            }
            ApiKey::OffsetCommit => decode_message::<OffsetCommitRequest>(r, version).map(RequestBody::OffsetCommit),
            ApiKey::OffsetFetch => decode_message::<OffsetFetchRequest>(r, version).map(RequestBody::OffsetFetch),
            ApiKey::FindCoordinator => {
                decode_message::<FindCoordinatorRequest>(r, version).map(RequestBody::FindCoordinator)
            }
            ApiKey::JoinGroup => decode_message::<JoinGroupRequest>(r, version).map(RequestBody::JoinGroup),
            ApiKey::Heartbeat => decode_message::<HeartbeatRequest>(r, version).map(RequestBody::Heartbeat),
            ApiKey::LeaveGroup => decode_message::<LeaveGroupRequest>(r, version).map(RequestBody::LeaveGroup),
            ApiKey::SyncGroup => decode_message::<SyncGroupRequest>(r, version).map(RequestBody::SyncGroup),
            ApiKey::DescribeGroups => {
                decode_message::<DescribeGroupsRequest>(r, version).map(RequestBody::DescribeGroups)
            }
            ApiKey::ListGroups => decode_message::<ListGroupsRequest>(r, version).map(RequestBody::ListGroups),
            ApiKey::SaslHandshake => decode_message::<SaslHandshakeRequest>(r, version).map(RequestBody::SaslHandshake),
            ApiKey::ApiVersions => decode_message::<ApiVersionsRequest>(r, version).map(RequestBody::ApiVersions),
            ApiKey::CreateTopics => decode_message::<CreateTopicsRequest>(r, version).map(RequestBody::CreateTopics),
            ApiKey::DeleteTopics => decode_message::<DeleteTopicsRequest>(r, version).map(RequestBody::DeleteTopics),
            ApiKey::DeleteRecords => decode_message::<DeleteRecordsRequest>(r, version).map(RequestBody::DeleteRecords),
            ApiKey::InitProducerId => {
                decode_message::<InitProducerIdRequest>(r, version).map(RequestBody::InitProducerId)
            }
            ApiKey::OffsetForLeaderEpoch => {
                decode_message::<OffsetForLeaderEpochRequest>(r, version).map(RequestBody::OffsetForLeaderEpoch)
            }
            ApiKey::AddPartitionsToTxn => {
                decode_message::<AddPartitionsToTxnRequest>(r, version).map(RequestBody::AddPartitionsToTxn)
            }
            ApiKey::AddOffsetsToTxn => {
                decode_message::<AddOffsetsToTxnRequest>(r, version).map(RequestBody::AddOffsetsToTxn)
            }
            ApiKey::EndTxn => decode_message::<EndTxnRequest>(r, version).map(RequestBody::EndTxn),
            ApiKey::WriteTxnMarkers => {
                decode_message::<WriteTxnMarkersRequest>(r, version).map(RequestBody::WriteTxnMarkers)
            }
            ApiKey::TxnOffsetCommit => {
                decode_message::<TxnOffsetCommitRequest>(r, version).map(RequestBody::TxnOffsetCommit)
            }
            ApiKey::DescribeAcls => decode_message::<DescribeAclsRequest>(r, version).map(RequestBody::DescribeAcls),
            ApiKey::CreateAcls => decode_message::<CreateAclsRequest>(r, version).map(RequestBody::CreateAcls),
            ApiKey::DeleteAcls => decode_message::<DeleteAclsRequest>(r, version).map(RequestBody::DeleteAcls),
            ApiKey::DescribeConfigs => {
                decode_message::<DescribeConfigsRequest>(r, version).map(RequestBody::DescribeConfigs)
            }
            ApiKey::AlterConfigs => decode_message::<AlterConfigsRequest>(r, version).map(RequestBody::AlterConfigs),
            ApiKey::AlterReplicaLogDirs => {
                decode_message::<AlterReplicaLogDirsRequest>(r, version).map(RequestBody::AlterReplicaLogDirs)
            }
            ApiKey::DescribeLogDirs => {
                decode_message::<DescribeLogDirsRequest>(r, version).map(RequestBody::DescribeLogDirs)
            }
            ApiKey::SaslAuthenticate => {
                decode_message::<SaslAuthenticateRequest>(r, version).map(RequestBody::SaslAuthenticate)
            }
            ApiKey::CreatePartitions => {
                decode_message::<CreatePartitionsRequest>(r, version).map(RequestBody::CreatePartitions)
            }
            ApiKey::CreateDelegationToken => {
                decode_message::<CreateDelegationTokenRequest>(r, version).map(RequestBody::CreateDelegationToken)
            }
            ApiKey::RenewDelegationToken => {
                decode_message::<RenewDelegationTokenRequest>(r, version).map(RequestBody::RenewDelegationToken)
            }
            ApiKey::ExpireDelegationToken => {
                decode_message::<ExpireDelegationTokenRequest>(r, version).map(RequestBody::ExpireDelegationToken)
            }
            ApiKey::DescribeDelegationToken => {
                decode_message::<DescribeDelegationTokenRequest>(r, version).map(RequestBody::DescribeDelegationToken)
            }
            ApiKey::DeleteGroups => decode_message::<DeleteGroupsRequest>(r, version).map(RequestBody::DeleteGroups),
            ApiKey::ElectLeaders => decode_message::<ElectLeadersRequest>(r, version).map(RequestBody::ElectLeaders),
            ApiKey::IncrementalAlterConfigs => {
                decode_message::<IncrementalAlterConfigsRequest>(r, version).map(RequestBody::IncrementalAlterConfigs)
            }
            ApiKey::AlterPartitionReassignments => decode_message::<AlterPartitionReassignmentsRequest>(r, version)
                .map(RequestBody::AlterPartitionReassignments),
            ApiKey::ListPartitionReassignments => decode_message::<ListPartitionReassignmentsRequest>(r, version)
                .map(RequestBody::ListPartitionReassignments),
            ApiKey::OffsetDelete => decode_message::<OffsetDeleteRequest>(r, version).map(RequestBody::OffsetDelete),
            ApiKey::DescribeClientQuotas => {
                decode_message::<DescribeClientQuotasRequest>(r, version).map(RequestBody::DescribeClientQuotas)
            }
            ApiKey::AlterClientQuotas => {
                decode_message::<AlterClientQuotasRequest>(r, version).map(RequestBody::AlterClientQuotas)
            }
            ApiKey::DescribeUserScramCredentials => decode_message::<DescribeUserScramCredentialsRequest>(r, version)
                .map(RequestBody::DescribeUserScramCredentials),
            ApiKey::AlterUserScramCredentials => decode_message::<AlterUserScramCredentialsRequest>(r, version)
                .map(RequestBody::AlterUserScramCredentials),
            ApiKey::Vote => decode_message::<VoteRequest>(r, version).map(RequestBody::Vote),
            ApiKey::BeginQuorumEpoch => {
                decode_message::<BeginQuorumEpochRequest>(r, version).map(RequestBody::BeginQuorumEpoch)
            }
            ApiKey::EndQuorumEpoch => {
                decode_message::<EndQuorumEpochRequest>(r, version).map(RequestBody::EndQuorumEpoch)
            }
            ApiKey::DescribeQuorum => {
                decode_message::<DescribeQuorumRequest>(r, version).map(RequestBody::DescribeQuorum)
            }
            ApiKey::AlterPartition => {
                decode_message::<AlterPartitionRequest>(r, version).map(RequestBody::AlterPartition)
            }
            ApiKey::UpdateFeatures => {
                decode_message::<UpdateFeaturesRequest>(r, version).map(RequestBody::UpdateFeatures)
            }
            ApiKey::Envelope => decode_message::<EnvelopeRequest>(r, version).map(RequestBody::Envelope),
            ApiKey::FetchSnapshot => decode_message::<FetchSnapshotRequest>(r, version).map(RequestBody::FetchSnapshot),
            ApiKey::DescribeCluster => {
                decode_message::<DescribeClusterRequest>(r, version).map(RequestBody::DescribeCluster)
            }
            ApiKey::DescribeProducers => {
                decode_message::<DescribeProducersRequest>(r, version).map(RequestBody::DescribeProducers)
            }
            ApiKey::BrokerRegistration => {
                decode_message::<BrokerRegistrationRequest>(r, version).map(RequestBody::BrokerRegistration)
            }
            ApiKey::BrokerHeartbeat => {
                decode_message::<BrokerHeartbeatRequest>(r, version).map(RequestBody::BrokerHeartbeat)
            }
            ApiKey::UnregisterBroker => {
                decode_message::<UnregisterBrokerRequest>(r, version).map(RequestBody::UnregisterBroker)
            }
            ApiKey::DescribeTransactions => {
                decode_message::<DescribeTransactionsRequest>(r, version).map(RequestBody::DescribeTransactions)
            }
            ApiKey::ListTransactions => {
                decode_message::<ListTransactionsRequest>(r, version).map(RequestBody::ListTransactions)
            }
            ApiKey::AllocateProducerIds => {
                decode_message::<AllocateProducerIdsRequest>(r, version).map(RequestBody::AllocateProducerIds)
            }
            ApiKey::ConsumerGroupHeartbeat => {
                decode_message::<ConsumerGroupHeartbeatRequest>(r, version).map(RequestBody::ConsumerGroupHeartbeat)
            }
            ApiKey::ConsumerGroupDescribe => {
                decode_message::<ConsumerGroupDescribeRequest>(r, version).map(RequestBody::ConsumerGroupDescribe)
            }
            ApiKey::ControllerRegistration => {
                decode_message::<ControllerRegistrationRequest>(r, version).map(RequestBody::ControllerRegistration)
            }
            ApiKey::GetTelemetrySubscriptions => decode_message::<GetTelemetrySubscriptionsRequest>(r, version)
                .map(RequestBody::GetTelemetrySubscriptions),
            ApiKey::PushTelemetry => decode_message::<PushTelemetryRequest>(r, version).map(RequestBody::PushTelemetry),
            ApiKey::AssignReplicasToDirs => {
                decode_message::<AssignReplicasToDirsRequest>(r, version).map(RequestBody::AssignReplicasToDirs)
            }
            ApiKey::ListClientMetricsResources => decode_message::<ListClientMetricsResourcesRequest>(r, version)
                .map(RequestBody::ListClientMetricsResources),
            ApiKey::DescribeTopicPartitions => {
                decode_message::<DescribeTopicPartitionsRequest>(r, version).map(RequestBody::DescribeTopicPartitions)
            }
            ApiKey::ShareGroupHeartbeat => {
                decode_message::<ShareGroupHeartbeatRequest>(r, version).map(RequestBody::ShareGroupHeartbeat)
            }
            ApiKey::ShareGroupDescribe => {
                decode_message::<ShareGroupDescribeRequest>(r, version).map(RequestBody::ShareGroupDescribe)
            }
            ApiKey::ShareFetch => decode_message::<ShareFetchRequest>(r, version).map(RequestBody::ShareFetch),
            ApiKey::ShareAcknowledge => {
                decode_message::<ShareAcknowledgeRequest>(r, version).map(RequestBody::ShareAcknowledge)
            }
            ApiKey::AddRaftVoter => decode_message::<AddRaftVoterRequest>(r, version).map(RequestBody::AddRaftVoter),
            ApiKey::RemoveRaftVoter => {
                decode_message::<RemoveRaftVoterRequest>(r, version).map(RequestBody::RemoveRaftVoter)
            }
            ApiKey::UpdateRaftVoter => {
                decode_message::<UpdateRaftVoterRequest>(r, version).map(RequestBody::UpdateRaftVoter)
            }
            ApiKey::InitializeShareGroupState => decode_message::<InitializeShareGroupStateRequest>(r, version)
                .map(RequestBody::InitializeShareGroupState),
            ApiKey::ReadShareGroupState => {
                decode_message::<ReadShareGroupStateRequest>(r, version).map(RequestBody::ReadShareGroupState)
            }
            ApiKey::WriteShareGroupState => {
                decode_message::<WriteShareGroupStateRequest>(r, version).map(RequestBody::WriteShareGroupState)
            }
            ApiKey::DeleteShareGroupState => {
                decode_message::<DeleteShareGroupStateRequest>(r, version).map(RequestBody::DeleteShareGroupState)
            }
            ApiKey::ReadShareGroupStateSummary => decode_message::<ReadShareGroupStateSummaryRequest>(r, version)
                .map(RequestBody::ReadShareGroupStateSummary),
        }
    }

    /// Encodes the body at `version`.
    pub fn encode(&self, w: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        match self {
            RequestBody::Produce(m) => encode_message(m, w, version),
            RequestBody::Fetch(m) => encode_message(m, w, version),
            RequestBody::ListOffsets(m) => encode_message(m, w, version),
            RequestBody::Metadata(m) => encode_message(m, w, version),
            RequestBody::LeaderAndIsr(m) => encode_message(m, w, version),
            RequestBody::StopReplica(m) => encode_message(m, w, version),
            RequestBody::UpdateMetadata(m) => encode_message(m, w, version),
            RequestBody::ControlledShutdown(m) => encode_message(m, w, version),
            RequestBody::OffsetCommit(m) => encode_message(m, w, version),
            RequestBody::OffsetFetch(m) => encode_message(m, w, version),
            RequestBody::FindCoordinator(m) => encode_message(m, w, version),
            RequestBody::JoinGroup(m) => encode_message(m, w, version),
            RequestBody::Heartbeat(m) => encode_message(m, w, version),
            RequestBody::LeaveGroup(m) => encode_message(m, w, version),
            RequestBody::SyncGroup(m) => encode_message(m, w, version),
            RequestBody::DescribeGroups(m) => encode_message(m, w, version),
            RequestBody::ListGroups(m) => encode_message(m, w, version),
            RequestBody::SaslHandshake(m) => encode_message(m, w, version),
            RequestBody::ApiVersions(m) => encode_message(m, w, version),
            RequestBody::CreateTopics(m) => encode_message(m, w, version),
            RequestBody::DeleteTopics(m) => encode_message(m, w, version),
            RequestBody::DeleteRecords(m) => encode_message(m, w, version),
            RequestBody::InitProducerId(m) => encode_message(m, w, version),
            RequestBody::OffsetForLeaderEpoch(m) => encode_message(m, w, version),
            RequestBody::AddPartitionsToTxn(m) => encode_message(m, w, version),
            RequestBody::AddOffsetsToTxn(m) => encode_message(m, w, version),
            RequestBody::EndTxn(m) => encode_message(m, w, version),
            RequestBody::WriteTxnMarkers(m) => encode_message(m, w, version),
            RequestBody::TxnOffsetCommit(m) => encode_message(m, w, version),
            RequestBody::DescribeAcls(m) => encode_message(m, w, version),
            RequestBody::CreateAcls(m) => encode_message(m, w, version),
            RequestBody::DeleteAcls(m) => encode_message(m, w, version),
            RequestBody::DescribeConfigs(m) => encode_message(m, w, version),
            RequestBody::AlterConfigs(m) => encode_message(m, w, version),
            RequestBody::AlterReplicaLogDirs(m) => encode_message(m, w, version),
            RequestBody::DescribeLogDirs(m) => encode_message(m, w, version),
            RequestBody::SaslAuthenticate(m) => encode_message(m, w, version),
            RequestBody::CreatePartitions(m) => encode_message(m, w, version),
            RequestBody::CreateDelegationToken(m) => encode_message(m, w, version),
            RequestBody::RenewDelegationToken(m) => encode_message(m, w, version),
            RequestBody::ExpireDelegationToken(m) => encode_message(m, w, version),
            RequestBody::DescribeDelegationToken(m) => encode_message(m, w, version),
            RequestBody::DeleteGroups(m) => encode_message(m, w, version),
            RequestBody::ElectLeaders(m) => encode_message(m, w, version),
            RequestBody::IncrementalAlterConfigs(m) => encode_message(m, w, version),
            RequestBody::AlterPartitionReassignments(m) => encode_message(m, w, version),
            RequestBody::ListPartitionReassignments(m) => encode_message(m, w, version),
            RequestBody::OffsetDelete(m) => encode_message(m, w, version),
            RequestBody::DescribeClientQuotas(m) => encode_message(m, w, version),
            RequestBody::AlterClientQuotas(m) => encode_message(m, w, version),
            RequestBody::DescribeUserScramCredentials(m) => encode_message(m, w, version),
            RequestBody::AlterUserScramCredentials(m) => encode_message(m, w, version),
            RequestBody::Vote(m) => encode_message(m, w, version),
            RequestBody::BeginQuorumEpoch(m) => encode_message(m, w, version),
            RequestBody::EndQuorumEpoch(m) => encode_message(m, w, version),
            RequestBody::DescribeQuorum(m) => encode_message(m, w, version),
            RequestBody::AlterPartition(m) => encode_message(m, w, version),
            RequestBody::UpdateFeatures(m) => encode_message(m, w, version),
            RequestBody::Envelope(m) => encode_message(m, w, version),
            RequestBody::FetchSnapshot(m) => encode_message(m, w, version),
            RequestBody::DescribeCluster(m) => encode_message(m, w, version),
            RequestBody::DescribeProducers(m) => encode_message(m, w, version),
            RequestBody::BrokerRegistration(m) => encode_message(m, w, version),
            RequestBody::BrokerHeartbeat(m) => encode_message(m, w, version),
            RequestBody::UnregisterBroker(m) => encode_message(m, w, version),
            RequestBody::DescribeTransactions(m) => encode_message(m, w, version),
            RequestBody::ListTransactions(m) => encode_message(m, w, version),
            RequestBody::AllocateProducerIds(m) => encode_message(m, w, version),
            RequestBody::ConsumerGroupHeartbeat(m) => encode_message(m, w, version),
            RequestBody::ConsumerGroupDescribe(m) => encode_message(m, w, version),
            RequestBody::ControllerRegistration(m) => encode_message(m, w, version),
            RequestBody::GetTelemetrySubscriptions(m) => encode_message(m, w, version),
            RequestBody::PushTelemetry(m) => encode_message(m, w, version),
            RequestBody::AssignReplicasToDirs(m) => encode_message(m, w, version),
            RequestBody::ListClientMetricsResources(m) => encode_message(m, w, version),
            RequestBody::DescribeTopicPartitions(m) => encode_message(m, w, version),
            RequestBody::ShareGroupHeartbeat(m) => encode_message(m, w, version),
            RequestBody::ShareGroupDescribe(m) => encode_message(m, w, version),
            RequestBody::ShareFetch(m) => encode_message(m, w, version),
            RequestBody::ShareAcknowledge(m) => encode_message(m, w, version),
            RequestBody::AddRaftVoter(m) => encode_message(m, w, version),
            RequestBody::RemoveRaftVoter(m) => encode_message(m, w, version),
            RequestBody::UpdateRaftVoter(m) => encode_message(m, w, version),
            RequestBody::InitializeShareGroupState(m) => encode_message(m, w, version),
            RequestBody::ReadShareGroupState(m) => encode_message(m, w, version),
            RequestBody::WriteShareGroupState(m) => encode_message(m, w, version),
            RequestBody::DeleteShareGroupState(m) => encode_message(m, w, version),
            RequestBody::ReadShareGroupStateSummary(m) => encode_message(m, w, version),
        }
    }

    /// An arbitrary body of API `key` that `version` carries exactly.
    #[cfg(feature = "arbitrary")]
    pub fn arbitrary(key: ApiKey, version: i16, u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Self> {
        match key {
            ApiKey::Produce => ProduceRequest::arbitrary(u, version).map(RequestBody::Produce),
            ApiKey::Fetch => FetchRequest::arbitrary(u, version).map(RequestBody::Fetch),
            ApiKey::ListOffsets => ListOffsetsRequest::arbitrary(u, version).map(RequestBody::ListOffsets),
            ApiKey::Metadata => MetadataRequest::arbitrary(u, version).map(RequestBody::Metadata),
            ApiKey::LeaderAndIsr => LeaderAndIsrRequest::arbitrary(u, version).map(RequestBody::LeaderAndIsr),
            ApiKey::StopReplica => StopReplicaRequest::arbitrary(u, version).map(RequestBody::StopReplica),
            ApiKey::UpdateMetadata => UpdateMetadataRequest::arbitrary(u, version).map(RequestBody::UpdateMetadata),
            ApiKey::ControlledShutdown => {
                ControlledShutdownRequest::arbitrary(u, version).map(RequestBody::ControlledShutdown)
            }
            ApiKey::OffsetCommit => OffsetCommitRequest::arbitrary(u, version).map(RequestBody::OffsetCommit),
            ApiKey::OffsetFetch => OffsetFetchRequest::arbitrary(u, version).map(RequestBody::OffsetFetch),
            ApiKey::FindCoordinator => FindCoordinatorRequest::arbitrary(u, version).map(RequestBody::FindCoordinator),
            ApiKey::JoinGroup => JoinGroupRequest::arbitrary(u, version).map(RequestBody::JoinGroup),
            ApiKey::Heartbeat => HeartbeatRequest::arbitrary(u, version).map(RequestBody::Heartbeat),
            ApiKey::LeaveGroup => LeaveGroupRequest::arbitrary(u, version).map(RequestBody::LeaveGroup),
            ApiKey::SyncGroup => SyncGroupRequest::arbitrary(u, version).map(RequestBody::SyncGroup),
            ApiKey::DescribeGroups => DescribeGroupsRequest::arbitrary(u, version).map(RequestBody::DescribeGroups),
            ApiKey::ListGroups => ListGroupsRequest::arbitrary(u, version).map(RequestBody::ListGroups),
            ApiKey::SaslHandshake => SaslHandshakeRequest::arbitrary(u, version).map(RequestBody::SaslHandshake),
            ApiKey::ApiVersions => ApiVersionsRequest::arbitrary(u, version).map(RequestBody::ApiVersions),
            ApiKey::CreateTopics => CreateTopicsRequest::arbitrary(u, version).map(RequestBody::CreateTopics),
            ApiKey::DeleteTopics => DeleteTopicsRequest::arbitrary(u, version).map(RequestBody::DeleteTopics),
            ApiKey::DeleteRecords => DeleteRecordsRequest::arbitrary(u, version).map(RequestBody::DeleteRecords),
            ApiKey::InitProducerId => InitProducerIdRequest::arbitrary(u, version).map(RequestBody::InitProducerId),
            ApiKey::OffsetForLeaderEpoch => {
                OffsetForLeaderEpochRequest::arbitrary(u, version).map(RequestBody::OffsetForLeaderEpoch)
            }
            ApiKey::AddPartitionsToTxn => {
                AddPartitionsToTxnRequest::arbitrary(u, version).map(RequestBody::AddPartitionsToTxn)
            }
            ApiKey::AddOffsetsToTxn => AddOffsetsToTxnRequest::arbitrary(u, version).map(RequestBody::AddOffsetsToTxn),
            ApiKey::EndTxn => EndTxnRequest::arbitrary(u, version).map(RequestBody::EndTxn),
            ApiKey::WriteTxnMarkers => WriteTxnMarkersRequest::arbitrary(u, version).map(RequestBody::WriteTxnMarkers),
            ApiKey::TxnOffsetCommit => TxnOffsetCommitRequest::arbitrary(u, version).map(RequestBody::TxnOffsetCommit),
            ApiKey::DescribeAcls => DescribeAclsRequest::arbitrary(u, version).map(RequestBody::DescribeAcls),
            ApiKey::CreateAcls => CreateAclsRequest::arbitrary(u, version).map(RequestBody::CreateAcls),
            ApiKey::DeleteAcls => DeleteAclsRequest::arbitrary(u, version).map(RequestBody::DeleteAcls),
            ApiKey::DescribeConfigs => DescribeConfigsRequest::arbitrary(u, version).map(RequestBody::DescribeConfigs),
            ApiKey::AlterConfigs => AlterConfigsRequest::arbitrary(u, version).map(RequestBody::AlterConfigs),
            ApiKey::AlterReplicaLogDirs => {
                AlterReplicaLogDirsRequest::arbitrary(u, version).map(RequestBody::AlterReplicaLogDirs)
            }
            ApiKey::DescribeLogDirs => DescribeLogDirsRequest::arbitrary(u, version).map(RequestBody::DescribeLogDirs),
            ApiKey::SaslAuthenticate => {
                SaslAuthenticateRequest::arbitrary(u, version).map(RequestBody::SaslAuthenticate)
            }
            ApiKey::CreatePartitions => {
                CreatePartitionsRequest::arbitrary(u, version).map(RequestBody::CreatePartitions)
            }
            ApiKey::CreateDelegationToken => {
                CreateDelegationTokenRequest::arbitrary(u, version).map(RequestBody::CreateDelegationToken)
            }
            ApiKey::RenewDelegationToken => {
                RenewDelegationTokenRequest::arbitrary(u, version).map(RequestBody::RenewDelegationToken)
            }
            ApiKey::ExpireDelegationToken => {
                ExpireDelegationTokenRequest::arbitrary(u, version).map(RequestBody::ExpireDelegationToken)
            }
            ApiKey::DescribeDelegationToken => {
                DescribeDelegationTokenRequest::arbitrary(u, version).map(RequestBody::DescribeDelegationToken)
            }
            ApiKey::DeleteGroups => DeleteGroupsRequest::arbitrary(u, version).map(RequestBody::DeleteGroups),
            ApiKey::ElectLeaders => ElectLeadersRequest::arbitrary(u, version).map(RequestBody::ElectLeaders),
            ApiKey::IncrementalAlterConfigs => {
                IncrementalAlterConfigsRequest::arbitrary(u, version).map(RequestBody::IncrementalAlterConfigs)
            }
            ApiKey::AlterPartitionReassignments => {
                AlterPartitionReassignmentsRequest::arbitrary(u, version).map(RequestBody::AlterPartitionReassignments)
            }
            ApiKey::ListPartitionReassignments => {
                ListPartitionReassignmentsRequest::arbitrary(u, version).map(RequestBody::ListPartitionReassignments)
            }
            ApiKey::OffsetDelete => OffsetDeleteRequest::arbitrary(u, version).map(RequestBody::OffsetDelete),
            ApiKey::DescribeClientQuotas => {
                DescribeClientQuotasRequest::arbitrary(u, version).map(RequestBody::DescribeClientQuotas)
            }
            ApiKey::AlterClientQuotas => {
                AlterClientQuotasRequest::arbitrary(u, version).map(RequestBody::AlterClientQuotas)
            }
            ApiKey::DescribeUserScramCredentials => DescribeUserScramCredentialsRequest::arbitrary(u, version)
                .map(RequestBody::DescribeUserScramCredentials),
            ApiKey::AlterUserScramCredentials => {
                AlterUserScramCredentialsRequest::arbitrary(u, version).map(RequestBody::AlterUserScramCredentials)
            }
            ApiKey::Vote => VoteRequest::arbitrary(u, version).map(RequestBody::Vote),
            ApiKey::BeginQuorumEpoch => {
                BeginQuorumEpochRequest::arbitrary(u, version).map(RequestBody::BeginQuorumEpoch)
            }
            ApiKey::EndQuorumEpoch => EndQuorumEpochRequest::arbitrary(u, version).map(RequestBody::EndQuorumEpoch),
            ApiKey::DescribeQuorum => DescribeQuorumRequest::arbitrary(u, version).map(RequestBody::DescribeQuorum),
            ApiKey::AlterPartition => AlterPartitionRequest::arbitrary(u, version).map(RequestBody::AlterPartition),
            ApiKey::UpdateFeatures => UpdateFeaturesRequest::arbitrary(u, version).map(RequestBody::UpdateFeatures),
            ApiKey::Envelope => EnvelopeRequest::arbitrary(u, version).map(RequestBody::Envelope),
            ApiKey::FetchSnapshot => FetchSnapshotRequest::arbitrary(u, version).map(RequestBody::FetchSnapshot),
            ApiKey::DescribeCluster => DescribeClusterRequest::arbitrary(u, version).map(RequestBody::DescribeCluster),
            ApiKey::DescribeProducers => {
                DescribeProducersRequest::arbitrary(u, version).map(RequestBody::DescribeProducers)
            }
            ApiKey::BrokerRegistration => {
                BrokerRegistrationRequest::arbitrary(u, version).map(RequestBody::BrokerRegistration)
            }
            ApiKey::BrokerHeartbeat => BrokerHeartbeatRequest::arbitrary(u, version).map(RequestBody::BrokerHeartbeat),
            ApiKey::UnregisterBroker => {
                UnregisterBrokerRequest::arbitrary(u, version).map(RequestBody::UnregisterBroker)
            }
            ApiKey::DescribeTransactions => {
                DescribeTransactionsRequest::arbitrary(u, version).map(RequestBody::DescribeTransactions)
            }
            ApiKey::ListTransactions => {
                ListTransactionsRequest::arbitrary(u, version).map(RequestBody::ListTransactions)
            }
            ApiKey::AllocateProducerIds => {
                AllocateProducerIdsRequest::arbitrary(u, version).map(RequestBody::AllocateProducerIds)
            }
            ApiKey::ConsumerGroupHeartbeat => {
                ConsumerGroupHeartbeatRequest::arbitrary(u, version).map(RequestBody::ConsumerGroupHeartbeat)
            }
            ApiKey::ConsumerGroupDescribe => {
                ConsumerGroupDescribeRequest::arbitrary(u, version).map(RequestBody::ConsumerGroupDescribe)
            }
            ApiKey::ControllerRegistration => {
                ControllerRegistrationRequest::arbitrary(u, version).map(RequestBody::ControllerRegistration)
            }
            ApiKey::GetTelemetrySubscriptions => {
                GetTelemetrySubscriptionsRequest::arbitrary(u, version).map(RequestBody::GetTelemetrySubscriptions)
            }
            ApiKey::PushTelemetry => PushTelemetryRequest::arbitrary(u, version).map(RequestBody::PushTelemetry),
            ApiKey::AssignReplicasToDirs => {
                AssignReplicasToDirsRequest::arbitrary(u, version).map(RequestBody::AssignReplicasToDirs)
            }
            ApiKey::ListClientMetricsResources => {
                ListClientMetricsResourcesRequest::arbitrary(u, version).map(RequestBody::ListClientMetricsResources)
            }
            ApiKey::DescribeTopicPartitions => {
                DescribeTopicPartitionsRequest::arbitrary(u, version).map(RequestBody::DescribeTopicPartitions)
            }
            ApiKey::ShareGroupHeartbeat => {
                ShareGroupHeartbeatRequest::arbitrary(u, version).map(RequestBody::ShareGroupHeartbeat)
            }
            ApiKey::ShareGroupDescribe => {
                ShareGroupDescribeRequest::arbitrary(u, version).map(RequestBody::ShareGroupDescribe)
            }
            ApiKey::ShareFetch => ShareFetchRequest::arbitrary(u, version).map(RequestBody::ShareFetch),
            ApiKey::ShareAcknowledge => {
                ShareAcknowledgeRequest::arbitrary(u, version).map(RequestBody::ShareAcknowledge)
            }
            ApiKey::AddRaftVoter => AddRaftVoterRequest::arbitrary(u, version).map(RequestBody::AddRaftVoter),
            ApiKey::RemoveRaftVoter => RemoveRaftVoterRequest::arbitrary(u, version).map(RequestBody::RemoveRaftVoter),
            ApiKey::UpdateRaftVoter => UpdateRaftVoterRequest::arbitrary(u, version).map(RequestBody::UpdateRaftVoter),
            ApiKey::InitializeShareGroupState => {
                InitializeShareGroupStateRequest::arbitrary(u, version).map(RequestBody::InitializeShareGroupState)
            }
            ApiKey::ReadShareGroupState => {
                ReadShareGroupStateRequest::arbitrary(u, version).map(RequestBody::ReadShareGroupState)
            }
            ApiKey::WriteShareGroupState => {
                WriteShareGroupStateRequest::arbitrary(u, version).map(RequestBody::WriteShareGroupState)
            }
            ApiKey::DeleteShareGroupState => {
                DeleteShareGroupStateRequest::arbitrary(u, version).map(RequestBody::DeleteShareGroupState)
            }
            ApiKey::ReadShareGroupStateSummary => {
                ReadShareGroupStateSummaryRequest::arbitrary(u, version).map(RequestBody::ReadShareGroupStateSummary)
            }
        }
    }
}

/// The body of any response, by API.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseBody {
    /// A Produce response.
    Produce(ProduceResponse),
    /// A Fetch response.
    Fetch(FetchResponse),
    /// A ListOffsets response.
    ListOffsets(ListOffsetsResponse),
    /// A Metadata response.
    Metadata(MetadataResponse),
    /// A LeaderAndIsr response.
    LeaderAndIsr(LeaderAndIsrResponse),
    /// A StopReplica response.
    StopReplica(StopReplicaResponse),
    /// A UpdateMetadata response.
    UpdateMetadata(UpdateMetadataResponse),
    /// A ControlledShutdown response.
    ControlledShutdown(ControlledShutdownResponse),
    /// A OffsetCommit response.
    OffsetCommit(OffsetCommitResponse),
    /// A OffsetFetch response.
    OffsetFetch(OffsetFetchResponse),
    /// A FindCoordinator response.
    FindCoordinator(FindCoordinatorResponse),
    /// A JoinGroup response.
    JoinGroup(JoinGroupResponse),
    /// A Heartbeat response.
    Heartbeat(HeartbeatResponse),
    /// A LeaveGroup response.
    LeaveGroup(LeaveGroupResponse),
    /// A SyncGroup response.
    SyncGroup(SyncGroupResponse),
    /// A DescribeGroups response.
    DescribeGroups(DescribeGroupsResponse),
    /// A ListGroups response.
    ListGroups(ListGroupsResponse),
    /// A SaslHandshake response.
    SaslHandshake(SaslHandshakeResponse),
    /// A ApiVersions response.
    ApiVersions(ApiVersionsResponse),
    /// A CreateTopics response.
    CreateTopics(CreateTopicsResponse),
    /// A DeleteTopics response.
    DeleteTopics(DeleteTopicsResponse),
    /// A DeleteRecords response.
    DeleteRecords(DeleteRecordsResponse),
    /// A InitProducerId response.
    InitProducerId(InitProducerIdResponse),
    /// A OffsetForLeaderEpoch response.
    OffsetForLeaderEpoch(OffsetForLeaderEpochResponse),
    /// A AddPartitionsToTxn response.
    AddPartitionsToTxn(AddPartitionsToTxnResponse),
    /// A AddOffsetsToTxn response.
    AddOffsetsToTxn(AddOffsetsToTxnResponse),
    /// A EndTxn response.
    EndTxn(EndTxnResponse),
    /// A WriteTxnMarkers response.
    WriteTxnMarkers(WriteTxnMarkersResponse),
    /// A TxnOffsetCommit response.
    TxnOffsetCommit(TxnOffsetCommitResponse),
    /// A DescribeAcls response.
    DescribeAcls(DescribeAclsResponse),
    /// A CreateAcls response.
    CreateAcls(CreateAclsResponse),
    /// A DeleteAcls response.
    DeleteAcls(DeleteAclsResponse),
    /// A DescribeConfigs response.
    DescribeConfigs(DescribeConfigsResponse),
    /// A AlterConfigs response.
    AlterConfigs(AlterConfigsResponse),
    /// A AlterReplicaLogDirs response.
    AlterReplicaLogDirs(AlterReplicaLogDirsResponse),
    /// A DescribeLogDirs response.
    DescribeLogDirs(DescribeLogDirsResponse),
    /// A SaslAuthenticate response.
    SaslAuthenticate(SaslAuthenticateResponse),
    /// A CreatePartitions response.
    CreatePartitions(CreatePartitionsResponse),
    /// A CreateDelegationToken response.
    CreateDelegationToken(CreateDelegationTokenResponse),
    /// A RenewDelegationToken response.
    RenewDelegationToken(RenewDelegationTokenResponse),
    /// A ExpireDelegationToken response.
    ExpireDelegationToken(ExpireDelegationTokenResponse),
    /// A DescribeDelegationToken response.
    DescribeDelegationToken(DescribeDelegationTokenResponse),
    /// A DeleteGroups response.
    DeleteGroups(DeleteGroupsResponse),
    /// A ElectLeaders response.
    ElectLeaders(ElectLeadersResponse),
    /// A IncrementalAlterConfigs response.
    IncrementalAlterConfigs(IncrementalAlterConfigsResponse),
    /// A AlterPartitionReassignments response.
    AlterPartitionReassignments(AlterPartitionReassignmentsResponse),
    /// A ListPartitionReassignments response.
    ListPartitionReassignments(ListPartitionReassignmentsResponse),
    /// A OffsetDelete response.
    OffsetDelete(OffsetDeleteResponse),
    /// A DescribeClientQuotas response.
    DescribeClientQuotas(DescribeClientQuotasResponse),
    /// A AlterClientQuotas response.
    AlterClientQuotas(AlterClientQuotasResponse),
    /// A DescribeUserScramCredentials response.
    DescribeUserScramCredentials(DescribeUserScramCredentialsResponse),
    /// A AlterUserScramCredentials response.
    AlterUserScramCredentials(AlterUserScramCredentialsResponse),
    /// A Vote response.
    Vote(VoteResponse),
    /// A BeginQuorumEpoch response.
    BeginQuorumEpoch(BeginQuorumEpochResponse),
    /// A EndQuorumEpoch response.
    EndQuorumEpoch(EndQuorumEpochResponse),
    /// A DescribeQuorum response.
    DescribeQuorum(DescribeQuorumResponse),
    /// A AlterPartition response.
    AlterPartition(AlterPartitionResponse),
    /// A UpdateFeatures response.
    UpdateFeatures(UpdateFeaturesResponse),
    /// A Envelope response.
    Envelope(EnvelopeResponse),
    /// A FetchSnapshot response.
    FetchSnapshot(FetchSnapshotResponse),
    /// A DescribeCluster response.
    DescribeCluster(DescribeClusterResponse),
    /// A DescribeProducers response.
    DescribeProducers(DescribeProducersResponse),
    /// A BrokerRegistration response.
    BrokerRegistration(BrokerRegistrationResponse),
    /// A BrokerHeartbeat response.
    BrokerHeartbeat(BrokerHeartbeatResponse),
    /// A UnregisterBroker response.
    UnregisterBroker(UnregisterBrokerResponse),
    /// A DescribeTransactions response.
    DescribeTransactions(DescribeTransactionsResponse),
    /// A ListTransactions response.
    ListTransactions(ListTransactionsResponse),
    /// A AllocateProducerIds response.
    AllocateProducerIds(AllocateProducerIdsResponse),
    /// A ConsumerGroupHeartbeat response.
    ConsumerGroupHeartbeat(ConsumerGroupHeartbeatResponse),
    /// A ConsumerGroupDescribe response.
    ConsumerGroupDescribe(ConsumerGroupDescribeResponse),
    /// A ControllerRegistration response.
    ControllerRegistration(ControllerRegistrationResponse),
    /// A GetTelemetrySubscriptions response.
    GetTelemetrySubscriptions(GetTelemetrySubscriptionsResponse),
    /// A PushTelemetry response.
    PushTelemetry(PushTelemetryResponse),
    /// A AssignReplicasToDirs response.
    AssignReplicasToDirs(AssignReplicasToDirsResponse),
    /// A ListClientMetricsResources response.
    ListClientMetricsResources(ListClientMetricsResourcesResponse),
    /// A DescribeTopicPartitions response.
    DescribeTopicPartitions(DescribeTopicPartitionsResponse),
    /// A ShareGroupHeartbeat response.
    ShareGroupHeartbeat(ShareGroupHeartbeatResponse),
    /// A ShareGroupDescribe response.
    ShareGroupDescribe(ShareGroupDescribeResponse),
    /// A ShareFetch response.
    ShareFetch(ShareFetchResponse),
    /// A ShareAcknowledge response.
    ShareAcknowledge(ShareAcknowledgeResponse),
    /// A AddRaftVoter response.
    AddRaftVoter(AddRaftVoterResponse),
    /// A RemoveRaftVoter response.
    RemoveRaftVoter(RemoveRaftVoterResponse),
    /// A UpdateRaftVoter response.
    UpdateRaftVoter(UpdateRaftVoterResponse),
    /// A InitializeShareGroupState response.
    InitializeShareGroupState(InitializeShareGroupStateResponse),
    /// A ReadShareGroupState response.
    ReadShareGroupState(ReadShareGroupStateResponse),
    /// A WriteShareGroupState response.
    WriteShareGroupState(WriteShareGroupStateResponse),
    /// A DeleteShareGroupState response.
    DeleteShareGroupState(DeleteShareGroupStateResponse),
    /// A ReadShareGroupStateSummary response.
    ReadShareGroupStateSummary(ReadShareGroupStateSummaryResponse),
}

impl ResponseBody {
    /// The API of this response.
    pub fn api_key(&self) -> ApiKey {
        match self {
            ResponseBody::Produce(_) => ApiKey::Produce,
            ResponseBody::Fetch(_) => ApiKey::Fetch,
            ResponseBody::ListOffsets(_) => ApiKey::ListOffsets,
            ResponseBody::Metadata(_) => ApiKey::Metadata,
            ResponseBody::LeaderAndIsr(_) => ApiKey::LeaderAndIsr,
            ResponseBody::StopReplica(_) => ApiKey::StopReplica,
            ResponseBody::UpdateMetadata(_) => ApiKey::UpdateMetadata,
            ResponseBody::ControlledShutdown(_) => ApiKey::ControlledShutdown,
            ResponseBody::OffsetCommit(_) => ApiKey::OffsetCommit,
            ResponseBody::OffsetFetch(_) => ApiKey::OffsetFetch,
            ResponseBody::FindCoordinator(_) => ApiKey::FindCoordinator,
            ResponseBody::JoinGroup(_) => ApiKey::JoinGroup,
            ResponseBody::Heartbeat(_) => ApiKey::Heartbeat,
            ResponseBody::LeaveGroup(_) => ApiKey::LeaveGroup,
            ResponseBody::SyncGroup(_) => ApiKey::SyncGroup,
            ResponseBody::DescribeGroups(_) => ApiKey::DescribeGroups,
            ResponseBody::ListGroups(_) => ApiKey::ListGroups,
            ResponseBody::SaslHandshake(_) => ApiKey::SaslHandshake,
            ResponseBody::ApiVersions(_) => ApiKey::ApiVersions,
            ResponseBody::CreateTopics(_) => ApiKey::CreateTopics,
            ResponseBody::DeleteTopics(_) => ApiKey::DeleteTopics,
            ResponseBody::DeleteRecords(_) => ApiKey::DeleteRecords,
            ResponseBody::InitProducerId(_) => ApiKey::InitProducerId,
            ResponseBody::OffsetForLeaderEpoch(_) => ApiKey::OffsetForLeaderEpoch,
            ResponseBody::AddPartitionsToTxn(_) => ApiKey::AddPartitionsToTxn,
            ResponseBody::AddOffsetsToTxn(_) => ApiKey::AddOffsetsToTxn,
            ResponseBody::EndTxn(_) => ApiKey::EndTxn,
            ResponseBody::WriteTxnMarkers(_) => ApiKey::WriteTxnMarkers,
            ResponseBody::TxnOffsetCommit(_) => ApiKey::TxnOffsetCommit,
            ResponseBody::DescribeAcls(_) => ApiKey::DescribeAcls,
            ResponseBody::CreateAcls(_) => ApiKey::CreateAcls,
            ResponseBody::DeleteAcls(_) => ApiKey::DeleteAcls,
            ResponseBody::DescribeConfigs(_) => ApiKey::DescribeConfigs,
            ResponseBody::AlterConfigs(_) => ApiKey::AlterConfigs,
            ResponseBody::AlterReplicaLogDirs(_) => ApiKey::AlterReplicaLogDirs,
            ResponseBody::DescribeLogDirs(_) => ApiKey::DescribeLogDirs,
            ResponseBody::SaslAuthenticate(_) => ApiKey::SaslAuthenticate,
            ResponseBody::CreatePartitions(_) => ApiKey::CreatePartitions,
            ResponseBody::CreateDelegationToken(_) => ApiKey::CreateDelegationToken,
            ResponseBody::RenewDelegationToken(_) => ApiKey::RenewDelegationToken,
            ResponseBody::ExpireDelegationToken(_) => ApiKey::ExpireDelegationToken,
            ResponseBody::DescribeDelegationToken(_) => ApiKey::DescribeDelegationToken,
            ResponseBody::DeleteGroups(_) => ApiKey::DeleteGroups,
            ResponseBody::ElectLeaders(_) => ApiKey::ElectLeaders,
            ResponseBody::IncrementalAlterConfigs(_) => ApiKey::IncrementalAlterConfigs,
            ResponseBody::AlterPartitionReassignments(_) => ApiKey::AlterPartitionReassignments,
            ResponseBody::ListPartitionReassignments(_) => ApiKey::ListPartitionReassignments,
            ResponseBody::OffsetDelete(_) => ApiKey::OffsetDelete,
            ResponseBody::DescribeClientQuotas(_) => ApiKey::DescribeClientQuotas,
            ResponseBody::AlterClientQuotas(_) => ApiKey::AlterClientQuotas,
            ResponseBody::DescribeUserScramCredentials(_) => ApiKey::DescribeUserScramCredentials,
            ResponseBody::AlterUserScramCredentials(_) => ApiKey::AlterUserScramCredentials,
            ResponseBody::Vote(_) => ApiKey::Vote,
            ResponseBody::BeginQuorumEpoch(_) => ApiKey::BeginQuorumEpoch,
            ResponseBody::EndQuorumEpoch(_) => ApiKey::EndQuorumEpoch,
            ResponseBody::DescribeQuorum(_) => ApiKey::DescribeQuorum,
            ResponseBody::AlterPartition(_) => ApiKey::AlterPartition,
            ResponseBody::UpdateFeatures(_) => ApiKey::UpdateFeatures,
            ResponseBody::Envelope(_) => ApiKey::Envelope,
            ResponseBody::FetchSnapshot(_) => ApiKey::FetchSnapshot,
            ResponseBody::DescribeCluster(_) => ApiKey::DescribeCluster,
            ResponseBody::DescribeProducers(_) => ApiKey::DescribeProducers,
            ResponseBody::BrokerRegistration(_) => ApiKey::BrokerRegistration,
            ResponseBody::BrokerHeartbeat(_) => ApiKey::BrokerHeartbeat,
            ResponseBody::UnregisterBroker(_) => ApiKey::UnregisterBroker,
            ResponseBody::DescribeTransactions(_) => ApiKey::DescribeTransactions,
            ResponseBody::ListTransactions(_) => ApiKey::ListTransactions,
            ResponseBody::AllocateProducerIds(_) => ApiKey::AllocateProducerIds,
            ResponseBody::ConsumerGroupHeartbeat(_) => ApiKey::ConsumerGroupHeartbeat,
            ResponseBody::ConsumerGroupDescribe(_) => ApiKey::ConsumerGroupDescribe,
            ResponseBody::ControllerRegistration(_) => ApiKey::ControllerRegistration,
            ResponseBody::GetTelemetrySubscriptions(_) => ApiKey::GetTelemetrySubscriptions,
            ResponseBody::PushTelemetry(_) => ApiKey::PushTelemetry,
            ResponseBody::AssignReplicasToDirs(_) => ApiKey::AssignReplicasToDirs,
            ResponseBody::ListClientMetricsResources(_) => ApiKey::ListClientMetricsResources,
            ResponseBody::DescribeTopicPartitions(_) => ApiKey::DescribeTopicPartitions,
            ResponseBody::ShareGroupHeartbeat(_) => ApiKey::ShareGroupHeartbeat,
            ResponseBody::ShareGroupDescribe(_) => ApiKey::ShareGroupDescribe,
            ResponseBody::ShareFetch(_) => ApiKey::ShareFetch,
            ResponseBody::ShareAcknowledge(_) => ApiKey::ShareAcknowledge,
            ResponseBody::AddRaftVoter(_) => ApiKey::AddRaftVoter,
            ResponseBody::RemoveRaftVoter(_) => ApiKey::RemoveRaftVoter,
            ResponseBody::UpdateRaftVoter(_) => ApiKey::UpdateRaftVoter,
            ResponseBody::InitializeShareGroupState(_) => ApiKey::InitializeShareGroupState,
            ResponseBody::ReadShareGroupState(_) => ApiKey::ReadShareGroupState,
            ResponseBody::WriteShareGroupState(_) => ApiKey::WriteShareGroupState,
            ResponseBody::DeleteShareGroupState(_) => ApiKey::DeleteShareGroupState,
            ResponseBody::ReadShareGroupStateSummary(_) => ApiKey::ReadShareGroupStateSummary,
        }
    }

    /// Decodes a response body of API `key` at `version`; the version must be one the spec defines.
    pub fn decode(key: ApiKey, version: i16, r: &mut Reader) -> Result<Self, DecodeError> {
        match key {
            ApiKey::Produce => decode_message::<ProduceResponse>(r, version).map(ResponseBody::Produce),
            ApiKey::Fetch => decode_message::<FetchResponse>(r, version).map(ResponseBody::Fetch),
            ApiKey::ListOffsets => decode_message::<ListOffsetsResponse>(r, version).map(ResponseBody::ListOffsets),
            ApiKey::Metadata => decode_message::<MetadataResponse>(r, version).map(ResponseBody::Metadata),
            ApiKey::LeaderAndIsr => decode_message::<LeaderAndIsrResponse>(r, version).map(ResponseBody::LeaderAndIsr),
            ApiKey::StopReplica => decode_message::<StopReplicaResponse>(r, version).map(ResponseBody::StopReplica),
            ApiKey::UpdateMetadata => {
                decode_message::<UpdateMetadataResponse>(r, version).map(ResponseBody::UpdateMetadata)
            }
            ApiKey::ControlledShutdown => {
                decode_message::<ControlledShutdownResponse>(r, version).map(ResponseBody::ControlledShutdown)
            }
            ApiKey::OffsetCommit => decode_message::<OffsetCommitResponse>(r, version).map(ResponseBody::OffsetCommit),
            ApiKey::OffsetFetch => decode_message::<OffsetFetchResponse>(r, version).map(ResponseBody::OffsetFetch),
            ApiKey::FindCoordinator => {
                decode_message::<FindCoordinatorResponse>(r, version).map(ResponseBody::FindCoordinator)
            }
            ApiKey::JoinGroup => decode_message::<JoinGroupResponse>(r, version).map(ResponseBody::JoinGroup),
            ApiKey::Heartbeat => decode_message::<HeartbeatResponse>(r, version).map(ResponseBody::Heartbeat),
            ApiKey::LeaveGroup => decode_message::<LeaveGroupResponse>(r, version).map(ResponseBody::LeaveGroup),
            ApiKey::SyncGroup => decode_message::<SyncGroupResponse>(r, version).map(ResponseBody::SyncGroup),
            ApiKey::DescribeGroups => {
                decode_message::<DescribeGroupsResponse>(r, version).map(ResponseBody::DescribeGroups)
            }
            ApiKey::ListGroups => decode_message::<ListGroupsResponse>(r, version).map(ResponseBody::ListGroups),
            ApiKey::SaslHandshake => {
                decode_message::<SaslHandshakeResponse>(r, version).map(ResponseBody::SaslHandshake)
            }
            ApiKey::ApiVersions => decode_message::<ApiVersionsResponse>(r, version).map(ResponseBody::ApiVersions),
            ApiKey::CreateTopics => decode_message::<CreateTopicsResponse>(r, version).map(ResponseBody::CreateTopics),
            ApiKey::DeleteTopics => decode_message::<DeleteTopicsResponse>(r, version).map(ResponseBody::DeleteTopics),
            ApiKey::DeleteRecords => {
                decode_message::<DeleteRecordsResponse>(r, version).map(ResponseBody::DeleteRecords)
            }
            ApiKey::InitProducerId => {
                decode_message::<InitProducerIdResponse>(r, version).map(ResponseBody::InitProducerId)
            }
            ApiKey::OffsetForLeaderEpoch => {
                decode_message::<OffsetForLeaderEpochResponse>(r, version).map(ResponseBody::OffsetForLeaderEpoch)
            }
            ApiKey::AddPartitionsToTxn => {
                decode_message::<AddPartitionsToTxnResponse>(r, version).map(ResponseBody::AddPartitionsToTxn)
            }
            ApiKey::AddOffsetsToTxn => {
                decode_message::<AddOffsetsToTxnResponse>(r, version).map(ResponseBody::AddOffsetsToTxn)
            }
            ApiKey::EndTxn => decode_message::<EndTxnResponse>(r, version).map(ResponseBody::EndTxn),
            ApiKey::WriteTxnMarkers => {
                decode_message::<WriteTxnMarkersResponse>(r, version).map(ResponseBody::WriteTxnMarkers)
            }
            ApiKey::TxnOffsetCommit => {
                decode_message::<TxnOffsetCommitResponse>(r, version).map(ResponseBody::TxnOffsetCommit)
            }
            ApiKey::DescribeAcls => decode_message::<DescribeAclsResponse>(r, version).map(ResponseBody::DescribeAcls),
            ApiKey::CreateAcls => decode_message::<CreateAclsResponse>(r, version).map(ResponseBody::CreateAcls),
            ApiKey::DeleteAcls => decode_message::<DeleteAclsResponse>(r, version).map(ResponseBody::DeleteAcls),
            ApiKey::DescribeConfigs => {
                decode_message::<DescribeConfigsResponse>(r, version).map(ResponseBody::DescribeConfigs)
            }
            ApiKey::AlterConfigs => decode_message::<AlterConfigsResponse>(r, version).map(ResponseBody::AlterConfigs),
            ApiKey::AlterReplicaLogDirs => {
                decode_message::<AlterReplicaLogDirsResponse>(r, version).map(ResponseBody::AlterReplicaLogDirs)
            }
            ApiKey::DescribeLogDirs => {
                decode_message::<DescribeLogDirsResponse>(r, version).map(ResponseBody::DescribeLogDirs)
            }
            ApiKey::SaslAuthenticate => {
                decode_message::<SaslAuthenticateResponse>(r, version).map(ResponseBody::SaslAuthenticate)
            }
            ApiKey::CreatePartitions => {
                decode_message::<CreatePartitionsResponse>(r, version).map(ResponseBody::CreatePartitions)
            }
            ApiKey::CreateDelegationToken => {
                decode_message::<CreateDelegationTokenResponse>(r, version).map(ResponseBody::CreateDelegationToken)
            }
            ApiKey::RenewDelegationToken => {
                decode_message::<RenewDelegationTokenResponse>(r, version).map(ResponseBody::RenewDelegationToken)
            }
            ApiKey::ExpireDelegationToken => {
                decode_message::<ExpireDelegationTokenResponse>(r, version).map(ResponseBody::ExpireDelegationToken)
            }
            ApiKey::DescribeDelegationToken => {
                decode_message::<DescribeDelegationTokenResponse>(r, version).map(ResponseBody::DescribeDelegationToken)
            }
            ApiKey::DeleteGroups => decode_message::<DeleteGroupsResponse>(r, version).map(ResponseBody::DeleteGroups),
            ApiKey::ElectLeaders => decode_message::<ElectLeadersResponse>(r, version).map(ResponseBody::ElectLeaders),
            ApiKey::IncrementalAlterConfigs => {
                decode_message::<IncrementalAlterConfigsResponse>(r, version).map(ResponseBody::IncrementalAlterConfigs)
            }
            ApiKey::AlterPartitionReassignments => decode_message::<AlterPartitionReassignmentsResponse>(r, version)
                .map(ResponseBody::AlterPartitionReassignments),
            ApiKey::ListPartitionReassignments => decode_message::<ListPartitionReassignmentsResponse>(r, version)
                .map(ResponseBody::ListPartitionReassignments),
            ApiKey::OffsetDelete => decode_message::<OffsetDeleteResponse>(r, version).map(ResponseBody::OffsetDelete),
            ApiKey::DescribeClientQuotas => {
                decode_message::<DescribeClientQuotasResponse>(r, version).map(ResponseBody::DescribeClientQuotas)
            }
            ApiKey::AlterClientQuotas => {
                decode_message::<AlterClientQuotasResponse>(r, version).map(ResponseBody::AlterClientQuotas)
            }
            ApiKey::DescribeUserScramCredentials => decode_message::<DescribeUserScramCredentialsResponse>(r, version)
                .map(ResponseBody::DescribeUserScramCredentials),
            ApiKey::AlterUserScramCredentials => decode_message::<AlterUserScramCredentialsResponse>(r, version)
                .map(ResponseBody::AlterUserScramCredentials),
            ApiKey::Vote => decode_message::<VoteResponse>(r, version).map(ResponseBody::Vote),
            ApiKey::BeginQuorumEpoch => {
                decode_message::<BeginQuorumEpochResponse>(r, version).map(ResponseBody::BeginQuorumEpoch)
            }
            ApiKey::EndQuorumEpoch => {
                decode_message::<EndQuorumEpochResponse>(r, version).map(ResponseBody::EndQuorumEpoch)
            }
            ApiKey::DescribeQuorum => {
                decode_message::<DescribeQuorumResponse>(r, version).map(ResponseBody::DescribeQuorum)
            }
            ApiKey::AlterPartition => {
                decode_message::<AlterPartitionResponse>(r, version).map(ResponseBody::AlterPartition)
            }
            ApiKey::UpdateFeatures => {
                decode_message::<UpdateFeaturesResponse>(r, version).map(ResponseBody::UpdateFeatures)
            }
            ApiKey::Envelope => decode_message::<EnvelopeResponse>(r, version).map(ResponseBody::Envelope),
            ApiKey::FetchSnapshot => {
                decode_message::<FetchSnapshotResponse>(r, version).map(ResponseBody::FetchSnapshot)
            }
            ApiKey::DescribeCluster => {
                decode_message::<DescribeClusterResponse>(r, version).map(ResponseBody::DescribeCluster)
            }
            ApiKey::DescribeProducers => {
                decode_message::<DescribeProducersResponse>(r, version).map(ResponseBody::DescribeProducers)
            }
            ApiKey::BrokerRegistration => {
                decode_message::<BrokerRegistrationResponse>(r, version).map(ResponseBody::BrokerRegistration)
            }
            ApiKey::BrokerHeartbeat => {
                decode_message::<BrokerHeartbeatResponse>(r, version).map(ResponseBody::BrokerHeartbeat)
            }
            ApiKey::UnregisterBroker => {
                decode_message::<UnregisterBrokerResponse>(r, version).map(ResponseBody::UnregisterBroker)
            }
            ApiKey::DescribeTransactions => {
                decode_message::<DescribeTransactionsResponse>(r, version).map(ResponseBody::DescribeTransactions)
            }
            ApiKey::ListTransactions => {
                decode_message::<ListTransactionsResponse>(r, version).map(ResponseBody::ListTransactions)
            }
            ApiKey::AllocateProducerIds => {
                decode_message::<AllocateProducerIdsResponse>(r, version).map(ResponseBody::AllocateProducerIds)
            }
            ApiKey::ConsumerGroupHeartbeat => {
                decode_message::<ConsumerGroupHeartbeatResponse>(r, version).map(ResponseBody::ConsumerGroupHeartbeat)
            }
            ApiKey::ConsumerGroupDescribe => {
                decode_message::<ConsumerGroupDescribeResponse>(r, version).map(ResponseBody::ConsumerGroupDescribe)
            }
            ApiKey::ControllerRegistration => {
                decode_message::<ControllerRegistrationResponse>(r, version).map(ResponseBody::ControllerRegistration)
            }
            ApiKey::GetTelemetrySubscriptions => decode_message::<GetTelemetrySubscriptionsResponse>(r, version)
                .map(ResponseBody::GetTelemetrySubscriptions),
            ApiKey::PushTelemetry => {
                decode_message::<PushTelemetryResponse>(r, version).map(ResponseBody::PushTelemetry)
            }
            ApiKey::AssignReplicasToDirs => {
                decode_message::<AssignReplicasToDirsResponse>(r, version).map(ResponseBody::AssignReplicasToDirs)
            }
            ApiKey::ListClientMetricsResources => decode_message::<ListClientMetricsResourcesResponse>(r, version)
                .map(ResponseBody::ListClientMetricsResources),
            ApiKey::DescribeTopicPartitions => {
                decode_message::<DescribeTopicPartitionsResponse>(r, version).map(ResponseBody::DescribeTopicPartitions)
            }
            ApiKey::ShareGroupHeartbeat => {
                decode_message::<ShareGroupHeartbeatResponse>(r, version).map(ResponseBody::ShareGroupHeartbeat)
            }
            ApiKey::ShareGroupDescribe => {
                decode_message::<ShareGroupDescribeResponse>(r, version).map(ResponseBody::ShareGroupDescribe)
            }
            ApiKey::ShareFetch => decode_message::<ShareFetchResponse>(r, version).map(ResponseBody::ShareFetch),
            ApiKey::ShareAcknowledge => {
                decode_message::<ShareAcknowledgeResponse>(r, version).map(ResponseBody::ShareAcknowledge)
            }
            ApiKey::AddRaftVoter => decode_message::<AddRaftVoterResponse>(r, version).map(ResponseBody::AddRaftVoter),
            ApiKey::RemoveRaftVoter => {
                decode_message::<RemoveRaftVoterResponse>(r, version).map(ResponseBody::RemoveRaftVoter)
            }
            ApiKey::UpdateRaftVoter => {
                decode_message::<UpdateRaftVoterResponse>(r, version).map(ResponseBody::UpdateRaftVoter)
            }
            ApiKey::InitializeShareGroupState => decode_message::<InitializeShareGroupStateResponse>(r, version)
                .map(ResponseBody::InitializeShareGroupState),
            ApiKey::ReadShareGroupState => {
                decode_message::<ReadShareGroupStateResponse>(r, version).map(ResponseBody::ReadShareGroupState)
            }
            ApiKey::WriteShareGroupState => {
                decode_message::<WriteShareGroupStateResponse>(r, version).map(ResponseBody::WriteShareGroupState)
            }
            ApiKey::DeleteShareGroupState => {
                decode_message::<DeleteShareGroupStateResponse>(r, version).map(ResponseBody::DeleteShareGroupState)
            }
            ApiKey::ReadShareGroupStateSummary => decode_message::<ReadShareGroupStateSummaryResponse>(r, version)
                .map(ResponseBody::ReadShareGroupStateSummary),
        }
    }

    /// Encodes the body at `version`.
    pub fn encode(&self, w: &mut BytesMut, version: i16) -> Result<(), EncodeError> {
        match self {
            ResponseBody::Produce(m) => encode_message(m, w, version),
            ResponseBody::Fetch(m) => encode_message(m, w, version),
            ResponseBody::ListOffsets(m) => encode_message(m, w, version),
            ResponseBody::Metadata(m) => encode_message(m, w, version),
            ResponseBody::LeaderAndIsr(m) => encode_message(m, w, version),
            ResponseBody::StopReplica(m) => encode_message(m, w, version),
            ResponseBody::UpdateMetadata(m) => encode_message(m, w, version),
            ResponseBody::ControlledShutdown(m) => encode_message(m, w, version),
            ResponseBody::OffsetCommit(m) => encode_message(m, w, version),
            ResponseBody::OffsetFetch(m) => encode_message(m, w, version),
            ResponseBody::FindCoordinator(m) => encode_message(m, w, version),
            ResponseBody::JoinGroup(m) => encode_message(m, w, version),
            ResponseBody::Heartbeat(m) => encode_message(m, w, version),
            ResponseBody::LeaveGroup(m) => encode_message(m, w, version),
            ResponseBody::SyncGroup(m) => encode_message(m, w, version),
            ResponseBody::DescribeGroups(m) => encode_message(m, w, version),
            ResponseBody::ListGroups(m) => encode_message(m, w, version),
            ResponseBody::SaslHandshake(m) => encode_message(m, w, version),
            ResponseBody::ApiVersions(m) => encode_message(m, w, version),
            ResponseBody::CreateTopics(m) => encode_message(m, w, version),
            ResponseBody::DeleteTopics(m) => encode_message(m, w, version),
            ResponseBody::DeleteRecords(m) => encode_message(m, w, version),
            ResponseBody::InitProducerId(m) => encode_message(m, w, version),
            ResponseBody::OffsetForLeaderEpoch(m) => encode_message(m, w, version),
            ResponseBody::AddPartitionsToTxn(m) => encode_message(m, w, version),
            ResponseBody::AddOffsetsToTxn(m) => encode_message(m, w, version),
            ResponseBody::EndTxn(m) => encode_message(m, w, version),
            ResponseBody::WriteTxnMarkers(m) => encode_message(m, w, version),
            ResponseBody::TxnOffsetCommit(m) => encode_message(m, w, version),
            ResponseBody::DescribeAcls(m) => encode_message(m, w, version),
            ResponseBody::CreateAcls(m) => encode_message(m, w, version),
            ResponseBody::DeleteAcls(m) => encode_message(m, w, version),
            ResponseBody::DescribeConfigs(m) => encode_message(m, w, version),
            ResponseBody::AlterConfigs(m) => encode_message(m, w, version),
            ResponseBody::AlterReplicaLogDirs(m) => encode_message(m, w, version),
            ResponseBody::DescribeLogDirs(m) => encode_message(m, w, version),
            ResponseBody::SaslAuthenticate(m) => encode_message(m, w, version),
            ResponseBody::CreatePartitions(m) => encode_message(m, w, version),
            ResponseBody::CreateDelegationToken(m) => encode_message(m, w, version),
            ResponseBody::RenewDelegationToken(m) => encode_message(m, w, version),
            ResponseBody::ExpireDelegationToken(m) => encode_message(m, w, version),
            ResponseBody::DescribeDelegationToken(m) => encode_message(m, w, version),
            ResponseBody::DeleteGroups(m) => encode_message(m, w, version),
            ResponseBody::ElectLeaders(m) => encode_message(m, w, version),
            ResponseBody::IncrementalAlterConfigs(m) => encode_message(m, w, version),
            ResponseBody::AlterPartitionReassignments(m) => encode_message(m, w, version),
            ResponseBody::ListPartitionReassignments(m) => encode_message(m, w, version),
            ResponseBody::OffsetDelete(m) => encode_message(m, w, version),
            ResponseBody::DescribeClientQuotas(m) => encode_message(m, w, version),
            ResponseBody::AlterClientQuotas(m) => encode_message(m, w, version),
            ResponseBody::DescribeUserScramCredentials(m) => encode_message(m, w, version),
            ResponseBody::AlterUserScramCredentials(m) => encode_message(m, w, version),
            ResponseBody::Vote(m) => encode_message(m, w, version),
            ResponseBody::BeginQuorumEpoch(m) => encode_message(m, w, version),
            ResponseBody::EndQuorumEpoch(m) => encode_message(m, w, version),
            ResponseBody::DescribeQuorum(m) => encode_message(m, w, version),
            ResponseBody::AlterPartition(m) => encode_message(m, w, version),
            ResponseBody::UpdateFeatures(m) => encode_message(m, w, version),
            ResponseBody::Envelope(m) => encode_message(m, w, version),
            ResponseBody::FetchSnapshot(m) => encode_message(m, w, version),
            ResponseBody::DescribeCluster(m) => encode_message(m, w, version),
            ResponseBody::DescribeProducers(m) => encode_message(m, w, version),
            ResponseBody::BrokerRegistration(m) => encode_message(m, w, version),
            ResponseBody::BrokerHeartbeat(m) => encode_message(m, w, version),
            ResponseBody::UnregisterBroker(m) => encode_message(m, w, version),
            ResponseBody::DescribeTransactions(m) => encode_message(m, w, version),
            ResponseBody::ListTransactions(m) => encode_message(m, w, version),
            ResponseBody::AllocateProducerIds(m) => encode_message(m, w, version),
            ResponseBody::ConsumerGroupHeartbeat(m) => encode_message(m, w, version),
            ResponseBody::ConsumerGroupDescribe(m) => encode_message(m, w, version),
            ResponseBody::ControllerRegistration(m) => encode_message(m, w, version),
            ResponseBody::GetTelemetrySubscriptions(m) => encode_message(m, w, version),
            ResponseBody::PushTelemetry(m) => encode_message(m, w, version),
            ResponseBody::AssignReplicasToDirs(m) => encode_message(m, w, version),
            ResponseBody::ListClientMetricsResources(m) => encode_message(m, w, version),
            ResponseBody::DescribeTopicPartitions(m) => encode_message(m, w, version),
            ResponseBody::ShareGroupHeartbeat(m) => encode_message(m, w, version),
            ResponseBody::ShareGroupDescribe(m) => encode_message(m, w, version),
            ResponseBody::ShareFetch(m) => encode_message(m, w, version),
            ResponseBody::ShareAcknowledge(m) => encode_message(m, w, version),
            ResponseBody::AddRaftVoter(m) => encode_message(m, w, version),
            ResponseBody::RemoveRaftVoter(m) => encode_message(m, w, version),
            ResponseBody::UpdateRaftVoter(m) => encode_message(m, w, version),
            ResponseBody::InitializeShareGroupState(m) => encode_message(m, w, version),
            ResponseBody::ReadShareGroupState(m) => encode_message(m, w, version),
            ResponseBody::WriteShareGroupState(m) => encode_message(m, w, version),
            ResponseBody::DeleteShareGroupState(m) => encode_message(m, w, version),
            ResponseBody::ReadShareGroupStateSummary(m) => encode_message(m, w, version),
        }
    }

    /// An arbitrary body of API `key` that `version` carries exactly.
    #[cfg(feature = "arbitrary")]
    pub fn arbitrary(key: ApiKey, version: i16, u: &mut arbitrary::Unstructured<'_>) -> arbitrary::Result<Self> {
        match key {
            ApiKey::Produce => ProduceResponse::arbitrary(u, version).map(ResponseBody::Produce),
            ApiKey::Fetch => FetchResponse::arbitrary(u, version).map(ResponseBody::Fetch),
            ApiKey::ListOffsets => ListOffsetsResponse::arbitrary(u, version).map(ResponseBody::ListOffsets),
            ApiKey::Metadata => MetadataResponse::arbitrary(u, version).map(ResponseBody::Metadata),
            ApiKey::LeaderAndIsr => LeaderAndIsrResponse::arbitrary(u, version).map(ResponseBody::LeaderAndIsr),
            ApiKey::StopReplica => StopReplicaResponse::arbitrary(u, version).map(ResponseBody::StopReplica),
            ApiKey::UpdateMetadata => UpdateMetadataResponse::arbitrary(u, version).map(ResponseBody::UpdateMetadata),
            ApiKey::ControlledShutdown => {
                ControlledShutdownResponse::arbitrary(u, version).map(ResponseBody::ControlledShutdown)
            }
            ApiKey::OffsetCommit => OffsetCommitResponse::arbitrary(u, version).map(ResponseBody::OffsetCommit),
            ApiKey::OffsetFetch => OffsetFetchResponse::arbitrary(u, version).map(ResponseBody::OffsetFetch),
            ApiKey::FindCoordinator => {
                FindCoordinatorResponse::arbitrary(u, version).map(ResponseBody::FindCoordinator)
            }
            ApiKey::JoinGroup => JoinGroupResponse::arbitrary(u, version).map(ResponseBody::JoinGroup),
            ApiKey::Heartbeat => HeartbeatResponse::arbitrary(u, version).map(ResponseBody::Heartbeat),
            ApiKey::LeaveGroup => LeaveGroupResponse::arbitrary(u, version).map(ResponseBody::LeaveGroup),
            ApiKey::SyncGroup => SyncGroupResponse::arbitrary(u, version).map(ResponseBody::SyncGroup),
            ApiKey::DescribeGroups => DescribeGroupsResponse::arbitrary(u, version).map(ResponseBody::DescribeGroups),
            ApiKey::ListGroups => ListGroupsResponse::arbitrary(u, version).map(ResponseBody::ListGroups),
            ApiKey::SaslHandshake => SaslHandshakeResponse::arbitrary(u, version).map(ResponseBody::SaslHandshake),
            ApiKey::ApiVersions => ApiVersionsResponse::arbitrary(u, version).map(ResponseBody::ApiVersions),
            ApiKey::CreateTopics => CreateTopicsResponse::arbitrary(u, version).map(ResponseBody::CreateTopics),
            ApiKey::DeleteTopics => DeleteTopicsResponse::arbitrary(u, version).map(ResponseBody::DeleteTopics),
            ApiKey::DeleteRecords => DeleteRecordsResponse::arbitrary(u, version).map(ResponseBody::DeleteRecords),
            ApiKey::InitProducerId => InitProducerIdResponse::arbitrary(u, version).map(ResponseBody::InitProducerId),
            ApiKey::OffsetForLeaderEpoch => {
                OffsetForLeaderEpochResponse::arbitrary(u, version).map(ResponseBody::OffsetForLeaderEpoch)
            }
            ApiKey::AddPartitionsToTxn => {
                AddPartitionsToTxnResponse::arbitrary(u, version).map(ResponseBody::AddPartitionsToTxn)
            }
            ApiKey::AddOffsetsToTxn => {
                AddOffsetsToTxnResponse::arbitrary(u, version).map(ResponseBody::AddOffsetsToTxn)
            }
            ApiKey::EndTxn => EndTxnResponse::arbitrary(u, version).map(ResponseBody::EndTxn),
            ApiKey::WriteTxnMarkers => {
                WriteTxnMarkersResponse::arbitrary(u, version).map(ResponseBody::WriteTxnMarkers)
            }
            ApiKey::TxnOffsetCommit => {
                TxnOffsetCommitResponse::arbitrary(u, version).map(ResponseBody::TxnOffsetCommit)
            }
            ApiKey::DescribeAcls => DescribeAclsResponse::arbitrary(u, version).map(ResponseBody::DescribeAcls),
            ApiKey::CreateAcls => CreateAclsResponse::arbitrary(u, version).map(ResponseBody::CreateAcls),
            ApiKey::DeleteAcls => DeleteAclsResponse::arbitrary(u, version).map(ResponseBody::DeleteAcls),
            ApiKey::DescribeConfigs => {
                DescribeConfigsResponse::arbitrary(u, version).map(ResponseBody::DescribeConfigs)
            }
            ApiKey::AlterConfigs => AlterConfigsResponse::arbitrary(u, version).map(ResponseBody::AlterConfigs),
            ApiKey::AlterReplicaLogDirs => {
                AlterReplicaLogDirsResponse::arbitrary(u, version).map(ResponseBody::AlterReplicaLogDirs)
            }
            ApiKey::DescribeLogDirs => {
                DescribeLogDirsResponse::arbitrary(u, version).map(ResponseBody::DescribeLogDirs)
            }
            ApiKey::SaslAuthenticate => {
                SaslAuthenticateResponse::arbitrary(u, version).map(ResponseBody::SaslAuthenticate)
            }
            ApiKey::CreatePartitions => {
                CreatePartitionsResponse::arbitrary(u, version).map(ResponseBody::CreatePartitions)
            }
            ApiKey::CreateDelegationToken => {
                CreateDelegationTokenResponse::arbitrary(u, version).map(ResponseBody::CreateDelegationToken)
            }
            ApiKey::RenewDelegationToken => {
                RenewDelegationTokenResponse::arbitrary(u, version).map(ResponseBody::RenewDelegationToken)
            }
            ApiKey::ExpireDelegationToken => {
                ExpireDelegationTokenResponse::arbitrary(u, version).map(ResponseBody::ExpireDelegationToken)
            }
            ApiKey::DescribeDelegationToken => {
                DescribeDelegationTokenResponse::arbitrary(u, version).map(ResponseBody::DescribeDelegationToken)
            }
            ApiKey::DeleteGroups => DeleteGroupsResponse::arbitrary(u, version).map(ResponseBody::DeleteGroups),
            ApiKey::ElectLeaders => ElectLeadersResponse::arbitrary(u, version).map(ResponseBody::ElectLeaders),
            ApiKey::IncrementalAlterConfigs => {
                IncrementalAlterConfigsResponse::arbitrary(u, version).map(ResponseBody::IncrementalAlterConfigs)
            }
            ApiKey::AlterPartitionReassignments => AlterPartitionReassignmentsResponse::arbitrary(u, version)
                .map(ResponseBody::AlterPartitionReassignments),
            ApiKey::ListPartitionReassignments => {
                ListPartitionReassignmentsResponse::arbitrary(u, version).map(ResponseBody::ListPartitionReassignments)
            }
            ApiKey::OffsetDelete => OffsetDeleteResponse::arbitrary(u, version).map(ResponseBody::OffsetDelete),
            ApiKey::DescribeClientQuotas => {
                DescribeClientQuotasResponse::arbitrary(u, version).map(ResponseBody::DescribeClientQuotas)
            }
            ApiKey::AlterClientQuotas => {
                AlterClientQuotasResponse::arbitrary(u, version).map(ResponseBody::AlterClientQuotas)
            }
            ApiKey::DescribeUserScramCredentials => DescribeUserScramCredentialsResponse::arbitrary(u, version)
                .map(ResponseBody::DescribeUserScramCredentials),
            ApiKey::AlterUserScramCredentials => {
                AlterUserScramCredentialsResponse::arbitrary(u, version).map(ResponseBody::AlterUserScramCredentials)
            }
            ApiKey::Vote => VoteResponse::arbitrary(u, version).map(ResponseBody::Vote),
            ApiKey::BeginQuorumEpoch => {
                BeginQuorumEpochResponse::arbitrary(u, version).map(ResponseBody::BeginQuorumEpoch)
            }
            ApiKey::EndQuorumEpoch => EndQuorumEpochResponse::arbitrary(u, version).map(ResponseBody::EndQuorumEpoch),
            ApiKey::DescribeQuorum => DescribeQuorumResponse::arbitrary(u, version).map(ResponseBody::DescribeQuorum),
            ApiKey::AlterPartition => AlterPartitionResponse::arbitrary(u, version).map(ResponseBody::AlterPartition),
            ApiKey::UpdateFeatures => UpdateFeaturesResponse::arbitrary(u, version).map(ResponseBody::UpdateFeatures),
            ApiKey::Envelope => EnvelopeResponse::arbitrary(u, version).map(ResponseBody::Envelope),
            ApiKey::FetchSnapshot => FetchSnapshotResponse::arbitrary(u, version).map(ResponseBody::FetchSnapshot),
            ApiKey::DescribeCluster => {
                DescribeClusterResponse::arbitrary(u, version).map(ResponseBody::DescribeCluster)
            }
            ApiKey::DescribeProducers => {
                DescribeProducersResponse::arbitrary(u, version).map(ResponseBody::DescribeProducers)
            }
            ApiKey::BrokerRegistration => {
                BrokerRegistrationResponse::arbitrary(u, version).map(ResponseBody::BrokerRegistration)
            }
            ApiKey::BrokerHeartbeat => {
                BrokerHeartbeatResponse::arbitrary(u, version).map(ResponseBody::BrokerHeartbeat)
            }
            ApiKey::UnregisterBroker => {
                UnregisterBrokerResponse::arbitrary(u, version).map(ResponseBody::UnregisterBroker)
            }
            ApiKey::DescribeTransactions => {
                DescribeTransactionsResponse::arbitrary(u, version).map(ResponseBody::DescribeTransactions)
            }
            ApiKey::ListTransactions => {
                ListTransactionsResponse::arbitrary(u, version).map(ResponseBody::ListTransactions)
            }
            ApiKey::AllocateProducerIds => {
                AllocateProducerIdsResponse::arbitrary(u, version).map(ResponseBody::AllocateProducerIds)
            }
            ApiKey::ConsumerGroupHeartbeat => {
                ConsumerGroupHeartbeatResponse::arbitrary(u, version).map(ResponseBody::ConsumerGroupHeartbeat)
            }
            ApiKey::ConsumerGroupDescribe => {
                ConsumerGroupDescribeResponse::arbitrary(u, version).map(ResponseBody::ConsumerGroupDescribe)
            }
            ApiKey::ControllerRegistration => {
                ControllerRegistrationResponse::arbitrary(u, version).map(ResponseBody::ControllerRegistration)
            }
            ApiKey::GetTelemetrySubscriptions => {
                GetTelemetrySubscriptionsResponse::arbitrary(u, version).map(ResponseBody::GetTelemetrySubscriptions)
            }
            ApiKey::PushTelemetry => PushTelemetryResponse::arbitrary(u, version).map(ResponseBody::PushTelemetry),
            ApiKey::AssignReplicasToDirs => {
                AssignReplicasToDirsResponse::arbitrary(u, version).map(ResponseBody::AssignReplicasToDirs)
            }
            ApiKey::ListClientMetricsResources => {
                ListClientMetricsResourcesResponse::arbitrary(u, version).map(ResponseBody::ListClientMetricsResources)
            }
            ApiKey::DescribeTopicPartitions => {
                DescribeTopicPartitionsResponse::arbitrary(u, version).map(ResponseBody::DescribeTopicPartitions)
            }
            ApiKey::ShareGroupHeartbeat => {
                ShareGroupHeartbeatResponse::arbitrary(u, version).map(ResponseBody::ShareGroupHeartbeat)
            }
            ApiKey::ShareGroupDescribe => {
                ShareGroupDescribeResponse::arbitrary(u, version).map(ResponseBody::ShareGroupDescribe)
            }
            ApiKey::ShareFetch => ShareFetchResponse::arbitrary(u, version).map(ResponseBody::ShareFetch),
            ApiKey::ShareAcknowledge => {
                ShareAcknowledgeResponse::arbitrary(u, version).map(ResponseBody::ShareAcknowledge)
            }
            ApiKey::AddRaftVoter => AddRaftVoterResponse::arbitrary(u, version).map(ResponseBody::AddRaftVoter),
            ApiKey::RemoveRaftVoter => {
                RemoveRaftVoterResponse::arbitrary(u, version).map(ResponseBody::RemoveRaftVoter)
            }
            ApiKey::UpdateRaftVoter => {
                UpdateRaftVoterResponse::arbitrary(u, version).map(ResponseBody::UpdateRaftVoter)
            }
            ApiKey::InitializeShareGroupState => {
                InitializeShareGroupStateResponse::arbitrary(u, version).map(ResponseBody::InitializeShareGroupState)
            }
            ApiKey::ReadShareGroupState => {
                ReadShareGroupStateResponse::arbitrary(u, version).map(ResponseBody::ReadShareGroupState)
            }
            ApiKey::WriteShareGroupState => {
                WriteShareGroupStateResponse::arbitrary(u, version).map(ResponseBody::WriteShareGroupState)
            }
            ApiKey::DeleteShareGroupState => {
                DeleteShareGroupStateResponse::arbitrary(u, version).map(ResponseBody::DeleteShareGroupState)
            }
            ApiKey::ReadShareGroupStateSummary => {
                ReadShareGroupStateSummaryResponse::arbitrary(u, version).map(ResponseBody::ReadShareGroupStateSummary)
            }
        }
    }
}

impl crate::Request for ProduceRequest {
    const KEY: ApiKey = ApiKey::Produce;
    type Response = ProduceResponse;
}

impl crate::Request for FetchRequest {
    const KEY: ApiKey = ApiKey::Fetch;
    type Response = FetchResponse;
}

impl crate::Request for ListOffsetsRequest {
    const KEY: ApiKey = ApiKey::ListOffsets;
    type Response = ListOffsetsResponse;
}

impl crate::Request for MetadataRequest {
    const KEY: ApiKey = ApiKey::Metadata;
    type Response = MetadataResponse;
}

impl crate::Request for LeaderAndIsrRequest {
    const KEY: ApiKey = ApiKey::LeaderAndIsr;
    type Response = LeaderAndIsrResponse;
}

impl crate::Request for StopReplicaRequest {
    const KEY: ApiKey = ApiKey::StopReplica;
    type Response = StopReplicaResponse;
}

impl crate::Request for UpdateMetadataRequest {
    const KEY: ApiKey = ApiKey::UpdateMetadata;
    type Response = UpdateMetadataResponse;
}

impl crate::Request for ControlledShutdownRequest {
    const KEY: ApiKey = ApiKey::ControlledShutdown;
    type Response = ControlledShutdownResponse;
}

impl crate::Request for OffsetCommitRequest {
    const KEY: ApiKey = ApiKey::OffsetCommit;
    type Response = OffsetCommitResponse;
}

impl crate::Request for OffsetFetchRequest {
    const KEY: ApiKey = ApiKey::OffsetFetch;
    type Response = OffsetFetchResponse;
}

impl crate::Request for FindCoordinatorRequest {
    const KEY: ApiKey = ApiKey::FindCoordinator;
    type Response = FindCoordinatorResponse;
}

impl crate::Request for JoinGroupRequest {
    const KEY: ApiKey = ApiKey::JoinGroup;
    type Response = JoinGroupResponse;
}

impl crate::Request for HeartbeatRequest {
    const KEY: ApiKey = ApiKey::Heartbeat;
    type Response = HeartbeatResponse;
}

impl crate::Request for LeaveGroupRequest {
    const KEY: ApiKey = ApiKey::LeaveGroup;
    type Response = LeaveGroupResponse;
}

impl crate::Request for SyncGroupRequest {
    const KEY: ApiKey = ApiKey::SyncGroup;
    type Response = SyncGroupResponse;
}

impl crate::Request for DescribeGroupsRequest {
    const KEY: ApiKey = ApiKey::DescribeGroups;
    type Response = DescribeGroupsResponse;
}

impl crate::Request for ListGroupsRequest {
    const KEY: ApiKey = ApiKey::ListGroups;
    type Response = ListGroupsResponse;
}

impl crate::Request for SaslHandshakeRequest {
    const KEY: ApiKey = ApiKey::SaslHandshake;
    type Response = SaslHandshakeResponse;
}

impl crate::Request for ApiVersionsRequest {
    const KEY: ApiKey = ApiKey::ApiVersions;
    type Response = ApiVersionsResponse;
}

impl crate::Request for CreateTopicsRequest {
    const KEY: ApiKey = ApiKey::CreateTopics;
    type Response = CreateTopicsResponse;
}

impl crate::Request for DeleteTopicsRequest {
    const KEY: ApiKey = ApiKey::DeleteTopics;
    type Response = DeleteTopicsResponse;
}

impl crate::Request for DeleteRecordsRequest {
    const KEY: ApiKey = ApiKey::DeleteRecords;
    type Response = DeleteRecordsResponse;
}

impl crate::Request for InitProducerIdRequest {
    const KEY: ApiKey = ApiKey::InitProducerId;
    type Response = InitProducerIdResponse;
}

impl crate::Request for OffsetForLeaderEpochRequest {
    const KEY: ApiKey = ApiKey::OffsetForLeaderEpoch;
    type Response = OffsetForLeaderEpochResponse;
}

impl crate::Request for AddPartitionsToTxnRequest {
    const KEY: ApiKey = ApiKey::AddPartitionsToTxn;
    type Response = AddPartitionsToTxnResponse;
}

impl crate::Request for AddOffsetsToTxnRequest {
    const KEY: ApiKey = ApiKey::AddOffsetsToTxn;
    type Response = AddOffsetsToTxnResponse;
}

impl crate::Request for EndTxnRequest {
    const KEY: ApiKey = ApiKey::EndTxn;
    type Response = EndTxnResponse;
}

impl crate::Request for WriteTxnMarkersRequest {
    const KEY: ApiKey = ApiKey::WriteTxnMarkers;
    type Response = WriteTxnMarkersResponse;
}

impl crate::Request for TxnOffsetCommitRequest {
    const KEY: ApiKey = ApiKey::TxnOffsetCommit;
    type Response = TxnOffsetCommitResponse;
}

impl crate::Request for DescribeAclsRequest {
    const KEY: ApiKey = ApiKey::DescribeAcls;
    type Response = DescribeAclsResponse;
}

impl crate::Request for CreateAclsRequest {
    const KEY: ApiKey = ApiKey::CreateAcls;
    type Response = CreateAclsResponse;
}

impl crate::Request for DeleteAclsRequest {
    const KEY: ApiKey = ApiKey::DeleteAcls;
    type Response = DeleteAclsResponse;
}

impl crate::Request for DescribeConfigsRequest {
    const KEY: ApiKey = ApiKey::DescribeConfigs;
    type Response = DescribeConfigsResponse;
}

impl crate::Request for AlterConfigsRequest {
    const KEY: ApiKey = ApiKey::AlterConfigs;
    type Response = AlterConfigsResponse;
}

impl crate::Request for AlterReplicaLogDirsRequest {
    const KEY: ApiKey = ApiKey::AlterReplicaLogDirs;
    type Response = AlterReplicaLogDirsResponse;
}

impl crate::Request for DescribeLogDirsRequest {
    const KEY: ApiKey = ApiKey::DescribeLogDirs;
    type Response = DescribeLogDirsResponse;
}

impl crate::Request for SaslAuthenticateRequest {
    const KEY: ApiKey = ApiKey::SaslAuthenticate;
    type Response = SaslAuthenticateResponse;
}

impl crate::Request for CreatePartitionsRequest {
    const KEY: ApiKey = ApiKey::CreatePartitions;
    type Response = CreatePartitionsResponse;
}

impl crate::Request for CreateDelegationTokenRequest {
    const KEY: ApiKey = ApiKey::CreateDelegationToken;
    type Response = CreateDelegationTokenResponse;
}

impl crate::Request for RenewDelegationTokenRequest {
    const KEY: ApiKey = ApiKey::RenewDelegationToken;
    type Response = RenewDelegationTokenResponse;
}

impl crate::Request for ExpireDelegationTokenRequest {
    const KEY: ApiKey = ApiKey::ExpireDelegationToken;
    type Response = ExpireDelegationTokenResponse;
}

impl crate::Request for DescribeDelegationTokenRequest {
    const KEY: ApiKey = ApiKey::DescribeDelegationToken;
    type Response = DescribeDelegationTokenResponse;
}

impl crate::Request for DeleteGroupsRequest {
    const KEY: ApiKey = ApiKey::DeleteGroups;
    type Response = DeleteGroupsResponse;
}

impl crate::Request for ElectLeadersRequest {
    const KEY: ApiKey = ApiKey::ElectLeaders;
    type Response = ElectLeadersResponse;
}

impl crate::Request for IncrementalAlterConfigsRequest {
    const KEY: ApiKey = ApiKey::IncrementalAlterConfigs;
    type Response = IncrementalAlterConfigsResponse;
}

impl crate::Request for AlterPartitionReassignmentsRequest {
    const KEY: ApiKey = ApiKey::AlterPartitionReassignments;
    type Response = AlterPartitionReassignmentsResponse;
}

impl crate::Request for ListPartitionReassignmentsRequest {
    const KEY: ApiKey = ApiKey::ListPartitionReassignments;
    type Response = ListPartitionReassignmentsResponse;
}

impl crate::Request for OffsetDeleteRequest {
    const KEY: ApiKey = ApiKey::OffsetDelete;
    type Response = OffsetDeleteResponse;
}

impl crate::Request for DescribeClientQuotasRequest {
    const KEY: ApiKey = ApiKey::DescribeClientQuotas;
    type Response = DescribeClientQuotasResponse;
}

impl crate::Request for AlterClientQuotasRequest {
    const KEY: ApiKey = ApiKey::AlterClientQuotas;
    type Response = AlterClientQuotasResponse;
}

impl crate::Request for DescribeUserScramCredentialsRequest {
    const KEY: ApiKey = ApiKey::DescribeUserScramCredentials;
    type Response = DescribeUserScramCredentialsResponse;
}

impl crate::Request for AlterUserScramCredentialsRequest {
    const KEY: ApiKey = ApiKey::AlterUserScramCredentials;
    type Response = AlterUserScramCredentialsResponse;
}

impl crate::Request for VoteRequest {
    const KEY: ApiKey = ApiKey::Vote;
    type Response = VoteResponse;
}

impl crate::Request for BeginQuorumEpochRequest {
    const KEY: ApiKey = ApiKey::BeginQuorumEpoch;
    type Response = BeginQuorumEpochResponse;
}

impl crate::Request for EndQuorumEpochRequest {
    const KEY: ApiKey = ApiKey::EndQuorumEpoch;
    type Response = EndQuorumEpochResponse;
}

impl crate::Request for DescribeQuorumRequest {
    const KEY: ApiKey = ApiKey::DescribeQuorum;
    type Response = DescribeQuorumResponse;
}

impl crate::Request for AlterPartitionRequest {
    const KEY: ApiKey = ApiKey::AlterPartition;
    type Response = AlterPartitionResponse;
}

impl crate::Request for UpdateFeaturesRequest {
    const KEY: ApiKey = ApiKey::UpdateFeatures;
    type Response = UpdateFeaturesResponse;
}

impl crate::Request for EnvelopeRequest {
    const KEY: ApiKey = ApiKey::Envelope;
    type Response = EnvelopeResponse;
}

impl crate::Request for FetchSnapshotRequest {
    const KEY: ApiKey = ApiKey::FetchSnapshot;
    type Response = FetchSnapshotResponse;
}

impl crate::Request for DescribeClusterRequest {
    const KEY: ApiKey = ApiKey::DescribeCluster;
    type Response = DescribeClusterResponse;
}

impl crate::Request for DescribeProducersRequest {
    const KEY: ApiKey = ApiKey::DescribeProducers;
    type Response = DescribeProducersResponse;
}

impl crate::Request for BrokerRegistrationRequest {
    const KEY: ApiKey = ApiKey::BrokerRegistration;
    type Response = BrokerRegistrationResponse;
}

impl crate::Request for BrokerHeartbeatRequest {
    const KEY: ApiKey = ApiKey::BrokerHeartbeat;
    type Response = BrokerHeartbeatResponse;
}

impl crate::Request for UnregisterBrokerRequest {
    const KEY: ApiKey = ApiKey::UnregisterBroker;
    type Response = UnregisterBrokerResponse;
}

impl crate::Request for DescribeTransactionsRequest {
    const KEY: ApiKey = ApiKey::DescribeTransactions;
    type Response = DescribeTransactionsResponse;
}

impl crate::Request for ListTransactionsRequest {
    const KEY: ApiKey = ApiKey::ListTransactions;
    type Response = ListTransactionsResponse;
}

impl crate::Request for AllocateProducerIdsRequest {
    const KEY: ApiKey = ApiKey::AllocateProducerIds;
    type Response = AllocateProducerIdsResponse;
}

impl crate::Request for ConsumerGroupHeartbeatRequest {
    const KEY: ApiKey = ApiKey::ConsumerGroupHeartbeat;
    type Response = ConsumerGroupHeartbeatResponse;
}

impl crate::Request for ConsumerGroupDescribeRequest {
    const KEY: ApiKey = ApiKey::ConsumerGroupDescribe;
    type Response = ConsumerGroupDescribeResponse;
}

impl crate::Request for ControllerRegistrationRequest {
    const KEY: ApiKey = ApiKey::ControllerRegistration;
    type Response = ControllerRegistrationResponse;
}

impl crate::Request for GetTelemetrySubscriptionsRequest {
    const KEY: ApiKey = ApiKey::GetTelemetrySubscriptions;
    type Response = GetTelemetrySubscriptionsResponse;
}

impl crate::Request for PushTelemetryRequest {
    const KEY: ApiKey = ApiKey::PushTelemetry;
    type Response = PushTelemetryResponse;
}

impl crate::Request for AssignReplicasToDirsRequest {
    const KEY: ApiKey = ApiKey::AssignReplicasToDirs;
    type Response = AssignReplicasToDirsResponse;
}

impl crate::Request for ListClientMetricsResourcesRequest {
    const KEY: ApiKey = ApiKey::ListClientMetricsResources;
    type Response = ListClientMetricsResourcesResponse;
}

impl crate::Request for DescribeTopicPartitionsRequest {
    const KEY: ApiKey = ApiKey::DescribeTopicPartitions;
    type Response = DescribeTopicPartitionsResponse;
}

impl crate::Request for ShareGroupHeartbeatRequest {
    const KEY: ApiKey = ApiKey::ShareGroupHeartbeat;
    type Response = ShareGroupHeartbeatResponse;
}

impl crate::Request for ShareGroupDescribeRequest {
    const KEY: ApiKey = ApiKey::ShareGroupDescribe;
    type Response = ShareGroupDescribeResponse;
}

impl crate::Request for ShareFetchRequest {
    const KEY: ApiKey = ApiKey::ShareFetch;
    type Response = ShareFetchResponse;
}

impl crate::Request for ShareAcknowledgeRequest {
    const KEY: ApiKey = ApiKey::ShareAcknowledge;
    type Response = ShareAcknowledgeResponse;
}

impl crate::Request for AddRaftVoterRequest {
    const KEY: ApiKey = ApiKey::AddRaftVoter;
    type Response = AddRaftVoterResponse;
}

impl crate::Request for RemoveRaftVoterRequest {
    const KEY: ApiKey = ApiKey::RemoveRaftVoter;
    type Response = RemoveRaftVoterResponse;
}

impl crate::Request for UpdateRaftVoterRequest {
    const KEY: ApiKey = ApiKey::UpdateRaftVoter;
    type Response = UpdateRaftVoterResponse;
}

impl crate::Request for InitializeShareGroupStateRequest {
    const KEY: ApiKey = ApiKey::InitializeShareGroupState;
    type Response = InitializeShareGroupStateResponse;
}

impl crate::Request for ReadShareGroupStateRequest {
    const KEY: ApiKey = ApiKey::ReadShareGroupState;
    type Response = ReadShareGroupStateResponse;
}

impl crate::Request for WriteShareGroupStateRequest {
    const KEY: ApiKey = ApiKey::WriteShareGroupState;
    type Response = WriteShareGroupStateResponse;
}

impl crate::Request for DeleteShareGroupStateRequest {
    const KEY: ApiKey = ApiKey::DeleteShareGroupState;
    type Response = DeleteShareGroupStateResponse;
}

impl crate::Request for ReadShareGroupStateSummaryRequest {
    const KEY: ApiKey = ApiKey::ReadShareGroupStateSummary;
    type Response = ReadShareGroupStateSummaryResponse;
}
