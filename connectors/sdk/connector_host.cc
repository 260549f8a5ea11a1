#include "connectors/sdk/connector_host.h"

#include "absl/strings/str_cat.h"
#include "base/language_tag.h"
#include "base/log.h"
#include "base/strings.h"
#include "base/thread_name.h"
#include "base/utf8.h"
#include "connectors/sdk/connector_metrics.h"
#include "connectors/sdk/redact.h"

namespace omni::connectors {

// One connector with its link to the broker and its delivery thread.
class ConnectorHost::Hosted : public ConnectorContext {
 public:
  Hosted(zmq::context_t& zmq, const ConnectorHostOptions& options, const Clock& clock,
         std::string name, std::string tenant, std::unique_ptr<Connector> connector)
      : name_(std::move(name)),
        tenant_(std::move(tenant)),
        clock_(clock),
        connector_(std::move(connector)),
        gate_(options.delivery, clock),
        client_(zmq,
                ReliableClientOptions{.broker_endpoint = options.broker_endpoint,
                                      .connector_name = name_,
                                      .providers = connector_->Providers(),
                                      .tenants = {tenant_},
                                      .ack_timeout = options.ack_timeout,
                                      .spool_dir = options.spool_dir,
                                      .curve = options.curve},
                [this](omnibroker::v1::Delivery d) { EnqueueDelivery(std::move(d)); }) {
    if (options.metrics != nullptr)
      metrics_ = std::make_unique<ConnectorMetrics>(*options.metrics, name_);
  }

  absl::Status Start() {
    if (auto s = client_.Start(); !s.ok()) return s;
    delivery_thread_ = std::thread([this] {
      NameThisThread("deliveries");
      DeliverLoop();
    });
    if (auto s = connector_->Start(*this); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("connector '", name_, "': ", s.message()));
    }
    return absl::OkStatus();
  }

  void Stop() {
    connector_->Stop();
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    cv_.notify_all();
    if (delivery_thread_.joinable()) delivery_thread_.join();
    client_.Stop();
  }

  absl::Status Publish(omnibroker::v1::Event event, AckCallback done) override {
    if (event.tenant().empty()) event.set_tenant(tenant_);
    // A provider's odd locale must not cost the customer's message (ingest rejects a non-tag).
    if (!event.language().empty()) event.set_language(LanguageHint(event.language()));
    // Nor may one bad byte from a provider (a SIP display name, a mail header): protobuf cannot
    // parse a string that is not UTF-8, so the broker could not read the event at all.
    if (const int repaired = RepairUtf8(event); repaired > 0) {
      LogWarning("connector", absl::StrCat(name_, ": ", repaired,
                                           " text fields were not UTF-8; bad bytes became U+FFFD"),
                 event.id());
      if (metrics_) metrics_->utf8_repaired.Add();
    }
    const absl::Status s = client_.Publish(
        std::move(event), [this, done = std::move(done)](const omnibroker::v1::IngestAck& ack) {
          if (ack.status() == omnibroker::v1::INGEST_STATUS_REJECTED) {
            // Dropped for good: resending cannot help (the reason says why).
            LogWarning("connector", absl::StrCat(name_, ": the broker refused the event: ",
                                                 ack.reason()),
                       ToUtf8(ack.event_id()));
          }
          if (metrics_) {
            if (Counter* acks = metrics_->ack(ack.status())) acks->Add();
          }
          if (done) done(ack);
        });
    if (metrics_) (s.ok() ? metrics_->published : metrics_->publish_failures).Add();
    return s;
  }
  const Clock& clock() const override { return clock_; }
  std::string_view tenant() const override { return tenant_; }

  const std::string& name() const { return name_; }
  Connector* connector() const { return connector_.get(); }
  size_t pending() const { return client_.pending(); }
  uint64_t spool_damaged_records() const { return client_.spool_damaged_records(); }

 private:
  // Called on the client's I/O thread: hand off, because Deliver may talk to a slow provider.
  void EnqueueDelivery(omnibroker::v1::Delivery delivery) {
    DeliveryGate::Admission admission = gate_.Admit(delivery);
    switch (admission.kind) {
      case DeliveryGate::Admission::Kind::kIgnore:
        return;
      case DeliveryGate::Admission::Kind::kAnswer:
        client_.SendDeliveryAck(std::move(admission.answer));
        return;
      case DeliveryGate::Admission::Kind::kDeliver:
        break;
    }
    {
      std::lock_guard lock(mu_);
      deliveries_.push_back(std::move(delivery));
    }
    cv_.notify_one();
  }

  void DeliverLoop() {
    while (true) {
      omnibroker::v1::Delivery delivery;
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return stopping_ || !deliveries_.empty(); });
        if (stopping_) return;  // undelivered ones stay in the broker's outbox
        delivery = std::move(deliveries_.front());
        deliveries_.pop_front();
      }
      const absl::Status s = connector_->Deliver(delivery.event());
      omnibroker::v1::DeliveryAck ack;
      ack.set_delivery_id(delivery.delivery_id());
      ack.set_ok(s.ok());
      if (!s.ok()) {
        // The error goes to the broker, its log and the agent: whatever a connector put in it
        // (a provider's answer, a URL), no secret leaves with it.
        const std::string error = RedactSecrets(ToStd(s.message()));
        ack.set_error(error);
        // Invalid or refused for good: resending cannot help.
        ack.set_permanent(s.code() == absl::StatusCode::kInvalidArgument ||
                          s.code() == absl::StatusCode::kFailedPrecondition ||
                          s.code() == absl::StatusCode::kNotFound);
        LogWarning("connector_host",
                   absl::StrCat(name_, ": delivery ", delivery.delivery_id(),
                                " failed: ", absl::StatusCodeToString(s.code()), ": ", error));
      }
      gate_.Finished(ack);
      client_.SendDeliveryAck(std::move(ack));
    }
  }

  const std::string name_;
  const std::string tenant_;
  const Clock& clock_;
  std::unique_ptr<Connector> connector_;
  DeliveryGate gate_;
  ReliableClient client_;
  std::unique_ptr<ConnectorMetrics> metrics_;  // null without a registry

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<omnibroker::v1::Delivery> deliveries_;
  bool stopping_ = false;
  std::thread delivery_thread_;
};

ConnectorHost::ConnectorHost(zmq::context_t& zmq, ConnectorHostOptions options, const Clock& clock)
    : zmq_(zmq), options_(std::move(options)), clock_(clock) {
  if (options_.metrics == nullptr) return;
  options_.metrics->AddCollector(
      "omni_connector_outbox_events",
      "Events a connector published that the broker has not acked yet (in memory and spooled), "
      "by connector.",
      [this](SampleWriter& out) {
        for (const auto& h : hosted_)
          out.Write({{"connector", h->name()}}, static_cast<double>(h->pending()));
      });
  options_.metrics->AddCounterCollector(
      "omni_connector_spool_damaged_records_total",
      "Damaged records (or stretches of damaged bytes) a connector's spool skipped since start, "
      "by connector.",
      [this](SampleWriter& out) {
        for (const auto& h : hosted_)
          out.Write({{"connector", h->name()}}, static_cast<double>(h->spool_damaged_records()));
      });
  options_.metrics->AddCounterCollector(
      "omni_webhook_rejections_total",
      "Provider requests a connector refused, by connector and reason (rate_limited, "
      "body_too_large, unauthenticated, malformed, handshake, broker_rejected, ack_timeout, "
      "not_queued).",
      [this](SampleWriter& out) {
        for (const auto& h : hosted_) {
          for (const auto& [reason, count] : h->connector()->Rejections())
            out.Write({{"connector", h->name()}, {"reason", reason}}, static_cast<double>(count));
        }
      });
  options_.metrics->AddCounterCollector(
      "omni_webhook_dropped_total",
      "Provider requests a connector acknowledged and dropped because they carry no customer "
      "message (account, status and membership notices), by connector and provider type.",
      [this](SampleWriter& out) {
        for (const auto& h : hosted_) {
          for (const auto& [type, count] : h->connector()->Dropped())
            out.Write({{"connector", h->name()}, {"type", type}}, static_cast<double>(count));
        }
      });
}

ConnectorHost::~ConnectorHost() { Stop(); }

void ConnectorHost::Add(std::string name, std::unique_ptr<Connector> connector, std::string tenant) {
  if (tenant.empty()) tenant = options_.tenant;
  hosted_.push_back(std::make_unique<Hosted>(zmq_, options_, clock_, std::move(name),
                                             std::move(tenant), std::move(connector)));
}

absl::Status ConnectorHost::Start() {
  started_ = true;
  for (auto& h : hosted_) {
    if (auto s = h->Start(); !s.ok()) {
      Stop();
      return s;
    }
  }
  return absl::OkStatus();
}

void ConnectorHost::Stop() {
  if (!started_) return;
  started_ = false;
  for (auto it = hosted_.rbegin(); it != hosted_.rend(); ++it) (*it)->Stop();
}

Connector* ConnectorHost::Find(std::string_view name) const {
  for (const auto& h : hosted_) {
    if (h->name() == name) return h->connector();
  }
  return nullptr;
}

}  // namespace omni::connectors
