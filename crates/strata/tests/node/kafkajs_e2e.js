// End-to-end checks of strata with kafkajs (its own protocol code), transactions
// included.
// Usage: node kafkajs_e2e.js HOST:PORT   (kafkajs is found through NODE_PATH)
const { Kafka, CompressionTypes, logLevel } = require('kafkajs')

const broker = process.argv[2]
const check = (cond, what) => { if (!cond) throw new Error(what) }

async function main () {
  const kafka = new Kafka({ clientId: 'strata-e2e', brokers: [broker], logLevel: logLevel.ERROR })
  const admin = kafka.admin()
  await admin.connect()
  const topic = 'kjs-' + Date.now()
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, configEntries: [{ name: 'retention.ms', value: '3600000' }] }] })
  check((await admin.listTopics()).includes(topic), 'created')
  const configs = await admin.describeConfigs({ resources: [{ type: 2, name: topic }], includeSynonyms: false })
  const retention = configs.resources[0].configEntries.find(e => e.configName === 'retention.ms')
  check(retention.configValue === '3600000', 'retention.ms ' + JSON.stringify(retention))

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const base = Date.now() - 10000
  let n = 0
  for (const [acks, compression] of [[-1, CompressionTypes.None], [1, CompressionTypes.GZIP], [0, CompressionTypes.None]]) {
    const messages = []
    for (let i = 0; i < 300; i++, n++) {
      messages.push({ key: 'k' + n, value: 'v' + n, partition: 0, timestamp: String(base + n), headers: { h: 'x' } })
    }
    await producer.send({ topic, acks, compression, messages })
  }
  await producer.disconnect()

  const offsets = await admin.fetchTopicOffsets(topic)
  const p0 = offsets.find(o => o.partition === 0)
  check(p0.high === '900' && p0.low === '0', 'offsets ' + JSON.stringify(offsets))
  const byTime = await admin.fetchTopicOffsetsByTimestamp(topic, base + 450)
  check(byTime.find(o => o.partition === 0).offset === '450', 'by timestamp ' + JSON.stringify(byTime))

  // A consumer group: every record once, field by field, then the committed offset.
  const groupId = 'kjs-group-' + Date.now()
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('consumed ' + seen.length + ' of 900')), 60000)
    consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push(message)
        if (seen.length === 900) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  seen.forEach((m, i) => {
    check(m.offset === String(i) && m.key.toString() === 'k' + i && m.value.toString() === 'v' + i, 'record ' + i)
    check(m.timestamp === String(base + i) && m.headers.h.toString() === 'x', 'record ' + i + ' timestamp/header')
  })
  await consumer.disconnect() // commits, then leaves the group
  const committed = await admin.fetchOffsets({ groupId, topics: [topic] })
  const c0 = committed[0].partitions.find(p => p.partition === 0)
  check(c0.offset === '900', 'committed ' + JSON.stringify(committed))
  const groups = (await admin.listGroups()).groups.map(g => g.groupId)
  check(groups.includes(groupId), 'listGroups ' + JSON.stringify(groups))
  const described = await admin.describeGroups([groupId])
  check(described.groups[0].state === 'Empty', 'describeGroups ' + JSON.stringify(described))
  await admin.deleteGroups([groupId])
  check(!(await admin.listGroups()).groups.some(g => g.groupId === groupId), 'group deleted')
  await admin.deleteTopics({ topics: [topic] })
  check(!(await admin.listTopics()).includes(topic), 'deleted')
  await transactions(kafka, admin)
  await admin.disconnect()
  console.log('kafkajs ok')
}

// Two commits around an abort; a read_committed group member (kafkajs's
// default) gets the committed records only, in order.
async function transactions (kafka, admin) {
  const topic = 'kjs-txn-' + Date.now()
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }] })
  const producer = kafka.producer({ transactionalId: topic, idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  const committed = []
  for (const [name, commit] of [['first', true], ['aborted', false], ['last', true]]) {
    const txn = await producer.transaction()
    const messages = [0, 1, 2, 3, 4].map(i => ({ value: name + '-' + i }))
    await txn.send({ topic, messages })
    if (commit) {
      await txn.commit()
      committed.push(...messages.map(m => m.value))
    } else {
      await txn.abort()
    }
  }
  await producer.disconnect()
  const consumer = kafka.consumer({ groupId: topic, sessionTimeout: 10000 })
  await consumer.connect()
  await consumer.subscribe({ topic, fromBeginning: true })
  const seen = []
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('read_committed got ' + JSON.stringify(seen))), 60000)
    consumer.run({
      eachMessage: async ({ message }) => {
        seen.push(message.value.toString())
        if (seen.length === committed.length) { clearTimeout(timer); resolve() }
      }
    }).catch(reject)
  })
  await consumer.disconnect()
  check(JSON.stringify(seen) === JSON.stringify(committed), 'read_committed got ' + JSON.stringify(seen))
}

main().catch(e => { console.error(e); process.exit(1) })
