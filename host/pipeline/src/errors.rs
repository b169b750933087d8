//! Reporting failed records the way Kafka Connect does (`org.apache.kafka.connect.runtime.errors`):
//! the `LogReporter` line and the dead-letter record of `DeadLetterQueueReporter`, with its
//! `__connect.errors.*` context headers.

use bytes::Bytes;

use switchyard_convert::record::{Header, Origin};
use switchyard_engine::StepError;

/// Where in the pipeline a record failed (`org.apache.kafka.connect.runtime.errors.Stage`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Reading the record (a malformed input line).
    TaskPoll,
    /// Decoding or encoding the key.
    KeyConverter,
    /// Decoding or encoding the value.
    ValueConverter,
    /// Converting headers.
    HeaderConverter,
    /// A transform or predicate.
    Transformation,
    /// Writing to Kafka.
    KafkaProduce,
    /// Reading from Kafka.
    KafkaConsume,
}

impl Stage {
    /// The enum constant's name, as Connect writes it in logs and headers.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::TaskPoll => "TASK_POLL",
            Stage::KeyConverter => "KEY_CONVERTER",
            Stage::ValueConverter => "VALUE_CONVERTER",
            Stage::HeaderConverter => "HEADER_CONVERTER",
            Stage::Transformation => "TRANSFORMATION",
            Stage::KafkaProduce => "KAFKA_PRODUCE",
            Stage::KafkaConsume => "KAFKA_CONSUME",
        }
    }
}

/// One failed record: where it came from, at which stage, in which class, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    /// The record's coordinates in the input.
    pub origin: Origin,
    /// The stage that failed.
    pub stage: Stage,
    /// The class (transform, predicate or converter) that failed.
    pub class: String,
    /// The Java exception class Connect would report for this kind of failure.
    pub exception: &'static str,
    /// The message; `None` when there is none (the header is then null, as Connect writes it).
    pub message: Option<String>,
}

/// The exception class Connect reports for a step's failure: SMTs throw `DataException` for
/// records they cannot handle (an unhandled record that is not parked is one); a guest that
/// traps, runs out of time or memory, or declares itself broken is a `ConnectException`; a
/// transient failure a `RetriableException`.
pub fn exception_class(error: &StepError) -> &'static str {
    match error {
        StepError::BadRecord(_) | StepError::Unhandled(_) | StepError::Conversion { .. } => {
            "org.apache.kafka.connect.errors.DataException"
        }
        StepError::Transient(_) => "org.apache.kafka.connect.errors.RetriableException",
        StepError::Broken(_)
        | StepError::Trap(_)
        | StepError::Timeout(_)
        | StepError::OutOfMemory(_) => "org.apache.kafka.connect.errors.ConnectException",
    }
}

impl Failure {
    /// Connect's `LogReporter` line: `Error encountered in task <connector>-<task>. Executing
    /// stage '<STAGE>' with class '<class>'[, where consumed record is {topic='t', partition=p,
    /// offset=o}].`
    pub fn log_line(&self, connector: &str, task: u32, include_messages: bool) -> String {
        let mut s = format!(
            "Error encountered in task {connector}-{task}. Executing stage '{}' with class '{}'",
            self.stage.as_str(),
            self.class
        );
        if include_messages {
            s.push_str(&format!(
                ", where consumed record is {{topic='{}'",
                self.origin.topic
            ));
            if let Some(p) = self.origin.partition {
                s.push_str(&format!(", partition={p}"));
            }
            if let Some(o) = self.origin.offset {
                s.push_str(&format!(", offset={o}"));
            }
            s.push('}');
        }
        s.push('.');
        s
    }

    /// The `__connect.errors.*` headers `DeadLetterQueueReporter.populateContextHeaders` adds,
    /// in its order.
    pub fn context_headers(&self, connector: &str, task: u32) -> Vec<Header> {
        let text = |key: &str, value: String| Header {
            key: key.to_string(),
            value: Some(Bytes::from(value)),
        };
        let mut headers = vec![text("__connect.errors.topic", self.origin.topic.clone())];
        if let Some(p) = self.origin.partition {
            headers.push(text("__connect.errors.partition", p.to_string()));
        }
        if let Some(o) = self.origin.offset {
            headers.push(text("__connect.errors.offset", o.to_string()));
        }
        headers.push(text(
            "__connect.errors.connector.name",
            connector.to_string(),
        ));
        headers.push(text("__connect.errors.task.id", task.to_string()));
        headers.push(text(
            "__connect.errors.stage",
            self.stage.as_str().to_string(),
        ));
        headers.push(text("__connect.errors.class.name", self.class.clone()));
        headers.push(text(
            "__connect.errors.exception.class.name",
            self.exception.to_string(),
        ));
        headers.push(Header {
            key: "__connect.errors.exception.message".into(),
            value: self.message.clone().map(Bytes::from),
        });
        // There is no JVM stack: the trace names the exception and the step, as its first line
        // would in Java.
        let trace = match &self.message {
            Some(m) => format!(
                "{}: {m}\n\tat {} ({})\n",
                self.exception,
                self.class,
                self.stage.as_str()
            ),
            None => format!(
                "{}\n\tat {} ({})\n",
                self.exception,
                self.class,
                self.stage.as_str()
            ),
        };
        headers.push(text("__connect.errors.exception.stacktrace", trace));
        headers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: Option<&str>) -> Failure {
        Failure {
            origin: Origin {
                topic: "source-topic".into(),
                partition: Some(7),
                offset: Some(10),
            },
            stage: Stage::Transformation,
            class: "org.apache.kafka.connect.transforms.Transformation".into(),
            exception: "org.apache.kafka.connect.errors.ConnectException",
            message: message.map(str::to_string),
        }
    }

    fn header<'a>(headers: &'a [Header], key: &str) -> Option<&'a Option<Bytes>> {
        headers.iter().find(|h| h.key == key).map(|h| &h.value)
    }

    /// `ErrorReporterTest.testDlqHeaderConsumerRecord`.
    #[test]
    fn dead_letter_headers_follow_connect() {
        let headers = failure(Some("Test Exception")).context_headers("job", 0);
        let text = |k: &str| {
            header(&headers, k)
                .and_then(|v| v.as_ref())
                .map(|b| String::from_utf8(b.to_vec()).unwrap())
        };
        assert_eq!(
            text("__connect.errors.topic").as_deref(),
            Some("source-topic")
        );
        assert_eq!(text("__connect.errors.partition").as_deref(), Some("7"));
        assert_eq!(text("__connect.errors.offset").as_deref(), Some("10"));
        assert_eq!(
            text("__connect.errors.connector.name").as_deref(),
            Some("job")
        );
        assert_eq!(text("__connect.errors.task.id").as_deref(), Some("0"));
        assert_eq!(
            text("__connect.errors.stage").as_deref(),
            Some("TRANSFORMATION")
        );
        assert_eq!(
            text("__connect.errors.class.name").as_deref(),
            Some("org.apache.kafka.connect.transforms.Transformation")
        );
        assert_eq!(
            text("__connect.errors.exception.class.name").as_deref(),
            Some("org.apache.kafka.connect.errors.ConnectException")
        );
        assert_eq!(
            text("__connect.errors.exception.message").as_deref(),
            Some("Test Exception")
        );
        assert!(
            text("__connect.errors.exception.stacktrace")
                .unwrap()
                .starts_with("org.apache.kafka.connect.errors.ConnectException: Test Exception")
        );
        let order: Vec<&str> = headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(order[0], "__connect.errors.topic");
        assert_eq!(
            order[order.len() - 1],
            "__connect.errors.exception.stacktrace"
        );
    }

    /// `ErrorReporterTest.testDlqHeaderOnNullExceptionMessage`.
    #[test]
    fn a_missing_message_is_a_null_header() {
        let headers = failure(None).context_headers("job", 0);
        assert_eq!(
            header(&headers, "__connect.errors.exception.message"),
            Some(&None)
        );
    }

    /// `ErrorReporterTest.testLogMessageWithNoRecords` / `testLogMessageWithSinkRecords`.
    #[test]
    fn log_lines_follow_connect() {
        let mut f = failure(Some("x"));
        f.stage = Stage::KeyConverter;
        f.class = "org.apache.kafka.connect.json.JsonConverter".into();
        assert_eq!(
            f.log_line("job", 0, false),
            "Error encountered in task job-0. Executing stage 'KEY_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter'."
        );
        f.origin = Origin {
            topic: "test-topic".into(),
            partition: Some(5),
            offset: Some(100),
        };
        assert_eq!(
            f.log_line("job", 0, true),
            "Error encountered in task job-0. Executing stage 'KEY_CONVERTER' with class 'org.apache.kafka.connect.json.JsonConverter', where consumed record is {topic='test-topic', partition=5, offset=100}."
        );
    }
}
