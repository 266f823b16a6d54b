//! The Kafka tests' helpers: the broker (`scripts/services up kafka`), topics of a test's
//! own, a producer, and a consumer that reads a topic back with its keys.

use dstream::source::kafka::rdkafka;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseProducer, BaseRecord, Producer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use std::time::{Duration, Instant};

/// The tests' broker.
pub const BROKERS: &str = "127.0.0.1:9092";

/// Whether a broker answers a metadata request.
pub fn broker_answers() -> bool {
    std::net::TcpStream::connect_timeout(&BROKERS.parse().expect("an address"), Duration::from_secs(1))
        .is_ok()
        && config()
            .set("group.id", "dstream-tests")
            .create::<BaseConsumer>()
            .is_ok_and(|c| c.fetch_metadata(None, Duration::from_secs(5)).is_ok())
}

fn config() -> ClientConfig {
    let mut config = ClientConfig::new();
    config.set("bootstrap.servers", BROKERS);
    config
}

/// Creates topic `name` (this process's own) with `partitions` partitions.
pub fn create_topic(test: &str, partitions: i32) -> String {
    let name = format!("dstream-{test}-{}", std::process::id());
    let admin: AdminClient<DefaultClientContext> = config().create().expect("an admin client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let topic = NewTopic::new(&name, partitions, TopicReplication::Fixed(1));
    let results =
        runtime.block_on(admin.create_topics([&topic], &AdminOptions::new())).expect("create_topics");
    for result in results {
        if let Err((topic, code)) = result {
            assert_eq!(code, rdkafka::types::RDKafkaErrorCode::TopicAlreadyExists, "creating topic {topic}");
        }
    }
    name
}

/// Writes `values` to `topic` (to `partition` when given), waiting for every delivery.
pub fn produce(topic: &str, partition: Option<i32>, values: &[Vec<u8>]) {
    let producer: BaseProducer = config().create().expect("a producer");
    for value in values {
        let mut record = BaseRecord::<(), [u8]>::to(topic).payload(value.as_slice());
        if let Some(p) = partition {
            record = record.partition(p);
        }
        producer.send(record).map_err(|(e, _)| e).expect("send a message");
        producer.poll(Duration::ZERO);
    }
    producer.flush(Duration::from_secs(30)).expect("every message delivered");
}

/// Reads `count` messages of `topic` from the start of every partition: (key, value).
pub fn read_back(topic: &str, partitions: i32, count: usize) -> Vec<(Option<String>, String)> {
    let consumer: BaseConsumer = config().set("group.id", "dstream-tests").create().expect("a consumer");
    let mut assignment = TopicPartitionList::new();
    for p in 0..partitions {
        assignment.add_partition_offset(topic, p, Offset::Beginning).expect("a partition");
    }
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut out = Vec::new();
    while out.len() < count && Instant::now() < deadline {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            out.push((m.key().map(text), text(m.payload().unwrap_or_default())));
        }
    }
    out
}

/// The offsets group `group` committed for `topic`'s `partitions`.
pub fn committed(group: &str, topic: &str, partitions: i32) -> Vec<Offset> {
    let consumer: BaseConsumer = config().set("group.id", group).create().expect("a consumer");
    let mut wanted = TopicPartitionList::new();
    for p in 0..partitions {
        wanted.add_partition(topic, p);
    }
    let offsets = consumer.committed_offsets(wanted, Duration::from_secs(10)).expect("the group's offsets");
    offsets.elements().iter().map(|e| e.offset()).collect()
}
