//! The audit rules: stable ids, what each checks, and its title in the three languages of
//! the viewer. A finding names its rule, the record and precinct it concerns, and says what
//! is wrong with the figures (`message.rs`), in the reader's language where a citizen reads it.

use super::message::Message;
use crate::records::PrecinctId;
use std::fmt;

/// Every rule the audit applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// The entry is not a well-formed record (size, canonical CBOR, version, body).
    RecordMalformed,
    /// The entry's record kind is not one this code knows.
    RecordUnknownKind,
    /// The record's signature does not verify.
    RecordSignature,
    /// The record belongs to another election.
    RecordElection,
    /// The record refers to a precinct, contest, complaint or record that does not exist,
    /// or lists votes for a different number of options than its contest has.
    RecordReference,
    /// The signer was enrolled for this role and precinct, and not revoked, at the record's
    /// position in the log; enrollments and revocations follow the key rules.
    SignerAuthorized,
    /// The time the record claims lies in the admission window around when it was logged:
    /// not ahead by more than the clock skew, not behind by more than the offline lag.
    RecordTime,
    /// A checkpoint the log logged is one it published: signed by the log, cosigned by the
    /// quorum, of a size no larger than its own position and larger than the previous one.
    LogCheckpoint,
    /// valid + invalid = ballots found; Σ votes = valid; issued ≤ received; found ≤ issued;
    /// issued ≤ voters on the list.
    ProtocolArithmetic,
    /// One protocol per precinct and contest, unless a correction supersedes the earlier one.
    ProtocolSingle,
    /// The urn's count equals the protocol's, per option and in total.
    UrnMatchesProtocol,
    /// Ballots in the stationary and mobile boxes do not exceed the voters identified for them.
    BallotsWithinIdentified,
    /// Cumulative turnout counts never decrease.
    TurnoutMonotonic,
    /// Only CEC keys annul results.
    AnnulmentByCec,
    /// The announced final result is the sum of the non-annulled precincts.
    FinalMatchesTally,
    /// A complaint is decided within the legal period from its filing record.
    ComplaintDeadline,
    /// A bank statement balances: opening + credits − debits = closing.
    FinanceStatementBalance,
}

impl Rule {
    pub const ALL: [Rule; 17] = [
        Rule::RecordMalformed,
        Rule::RecordUnknownKind,
        Rule::RecordSignature,
        Rule::RecordElection,
        Rule::RecordReference,
        Rule::SignerAuthorized,
        Rule::RecordTime,
        Rule::LogCheckpoint,
        Rule::ProtocolArithmetic,
        Rule::ProtocolSingle,
        Rule::UrnMatchesProtocol,
        Rule::BallotsWithinIdentified,
        Rule::TurnoutMonotonic,
        Rule::AnnulmentByCec,
        Rule::FinalMatchesTally,
        Rule::ComplaintDeadline,
        Rule::FinanceStatementBalance,
    ];

    /// The stable id, used in JSON reports and as the message key `rule.<id>`.
    pub fn id(self) -> &'static str {
        self.texts().0
    }

    /// The rule's title in English (`en`), Kyrgyz (`ky`) or Russian (`ru`); English otherwise.
    pub fn title(self, lang: &str) -> &'static str {
        let (_, en, ky, ru) = self.texts();
        match lang {
            "ky" => ky,
            "ru" => ru,
            _ => en,
        }
    }

    /// Whether a finding of this rule means the record must not be admitted to the log: the
    /// entry is not a record of this election by a key allowed to sign it. Findings of the
    /// other rules are exactly what the log exists to expose, so such records are admitted.
    pub fn blocks_admission(self) -> bool {
        matches!(
            self,
            Rule::RecordMalformed
                | Rule::RecordUnknownKind
                | Rule::RecordSignature
                | Rule::RecordElection
                | Rule::SignerAuthorized
                | Rule::RecordTime
        )
    }

    fn texts(self) -> (&'static str, &'static str, &'static str, &'static str) {
        match self {
            Rule::RecordMalformed => (
                "record.malformed",
                "Malformed record",
                "Жазуу туура эмес түзүлгөн",
                "Некорректная запись",
            ),
            Rule::RecordUnknownKind => (
                "record.unknown-kind",
                "Unknown record kind",
                "Жазуунун белгисиз түрү",
                "Неизвестный тип записи",
            ),
            Rule::RecordSignature => (
                "record.signature",
                "Invalid signature",
                "Кол тамга жараксыз",
                "Недействительная подпись",
            ),
            Rule::RecordElection => (
                "record.election",
                "Record of another election",
                "Жазуу башка шайлоого тиешелүү",
                "Запись относится к другим выборам",
            ),
            Rule::RecordReference => (
                "record.reference",
                "Refers to something that does not exist",
                "Жок нерсеге шилтеме",
                "Ссылка на несуществующий объект",
            ),
            Rule::SignerAuthorized => (
                "signer.authorized",
                "Signer not authorized",
                "Кол коюучунун ыйгарым укугу жок",
                "Подписант не уполномочен",
            ),
            Rule::RecordTime => (
                "record.time",
                "Record time outside the admission window",
                "Жазуунун убактысы кабыл алуу аралыгынан тышкары",
                "Время записи вне допустимого интервала приёма",
            ),
            Rule::LogCheckpoint => (
                "log.checkpoint",
                "Invalid checkpoint logged by the log",
                "Журнал жараксыз текшерүү чекитин жазган",
                "Журнал записал недействительную контрольную точку",
            ),
            Rule::ProtocolArithmetic => (
                "protocol.arithmetic",
                "Protocol figures do not add up",
                "Протоколдун сандары бири-бирине дал келбейт",
                "Данные протокола не сходятся",
            ),
            Rule::ProtocolSingle => (
                "protocol.single",
                "More than one protocol for a precinct",
                "Бир участокто бирден ашык протокол",
                "Более одного протокола на участке",
            ),
            Rule::UrnMatchesProtocol => (
                "urn.matches-protocol",
                "Urn count differs from the protocol",
                "Автоматтык урнанын эсеби протоколдон айырмаланат",
                "Данные автоматически считывающей урны расходятся с протоколом",
            ),
            Rule::BallotsWithinIdentified => (
                "ballots.within-identified",
                "More ballots than identified voters",
                "Бюллетендер идентификацияланган шайлоочулардан көп",
                "Бюллетеней больше, чем идентифицированных избирателей",
            ),
            Rule::TurnoutMonotonic => (
                "turnout.monotonic",
                "Turnout count decreased",
                "Катышуунун эсеби азайып кеткен",
                "Счётчик явки уменьшился",
            ),
            Rule::AnnulmentByCec => (
                "annulment.by-cec",
                "Annulment not by the CEC",
                "Жыйынтыктарды жараксыз деп табуу БШК тарабынан эмес",
                "Итоги признаны недействительными не ЦИК",
            ),
            Rule::FinalMatchesTally => (
                "final.matches-tally",
                "Final result differs from the sum of precincts",
                "Жарыяланган натыйжа участоктор боюнча суммадан айырмаланат",
                "Объявленный результат расходится с суммой по участкам",
            ),
            Rule::ComplaintDeadline => (
                "complaint.deadline",
                "Complaint not decided in time (witnessed time)",
                "Даттануу мөөнөтүндө каралган жок",
                "Жалоба не рассмотрена в срок",
            ),
            Rule::FinanceStatementBalance => (
                "finance.statement-balance",
                "Bank statement does not balance",
                "Банктык көчүрмөнүн калдыктары дал келбейт",
                "Остатки банковской выписки не сходятся",
            ),
        }
    }

    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// One problem the audit found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The log index of the record concerned, when one is.
    pub index: Option<u64>,
    /// The precinct concerned, when one is.
    pub precinct: Option<PrecinctId>,
    /// What is wrong, with the figures: in the reader's language by `message.text(lang)`.
    pub message: Message,
}

impl Finding {
    /// The finding on one line for a reader of `lang` (`en`, `ky`, `ru`): the rule's title and
    /// the sentence in that language, the entry and precinct by number.
    pub fn line(&self, lang: &str) -> String {
        if !matches!(lang, "ky" | "ru") {
            return self.to_string();
        }
        let mut out = format!("{} [{}]", self.rule.title(lang), self.rule);
        if let Some(i) = self.index {
            out.push_str(&format!(" #{i}"));
        }
        if let Some(p) = self.precinct {
            out.push_str(&format!(" № {p}"));
        }
        out.push_str(": ");
        out.push_str(&self.message.text(lang));
        out
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}]", self.rule)?;
        if let Some(i) = self.index {
            write!(f, " entry {i}")?;
        }
        if let Some(p) = self.precinct {
            write!(f, " precinct {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}
