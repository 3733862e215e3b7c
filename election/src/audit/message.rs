//! What a finding says: one sentence with its figures, in English, Kyrgyz or Russian. The rules
//! that find what a citizen reads about (a protocol's arithmetic, the urn against the hand
//! count, ballots against identified voters, hourly turnout, a bank statement, the announced
//! result) say it in the three languages; the rest (malformed entries, keys and references,
//! which a citizen meets only when something is badly wrong) give a technical detail in
//! English under the rule's translated title. The words follow `web-viewer/GLOSSARY.md`.

use std::fmt;

/// The sentences a finding can say; `{0}`, `{1}`, … are its figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Sentence {
    /// A technical detail, in English only.
    Detail,
    MarkedNotFound,
    VotesNotValid,
    IssuedOverReceived,
    FoundOverIssued,
    IssuedOverList,
    UrnOption,
    UrnOptionCount,
    UrnRead,
    UrnRejected,
    StationaryOverIdentified,
    MobileOverIdentified,
    HourlyFalls,
    HourlyOverTotal,
    StatementUnbalanced,
    FinalUndefinedContest,
    FinalOption,
    FinalOptionCount,
    FinalPrecincts,
    FinalAnnulled,
}

impl Sentence {
    /// The sentence in English, Kyrgyz and Russian.
    fn forms(self) -> [&'static str; 3] {
        use Sentence::*;
        match self {
            Detail => ["{0}", "{0}", "{0}"],
            MarkedNotFound => [
                "valid ({0}) + invalid ({1}) = {2}, but {3} ballots were found in the boxes ({4} stationary + {5} mobile)",
                "жарактуу ({0}) + жараксыз ({1}) = {2}, бирок кутулардан {3} бюллетень табылган (стационардык кутулардан {4} + көчмө кутулардан {5})",
                "действительных ({0}) + недействительных ({1}) = {2}, но в ящиках обнаружено {3} бюллетеней ({4} в стационарных + {5} в переносных)",
            ],
            VotesNotValid => [
                "the votes per option add up to {0}, but the protocol reports {1} valid ballots",
                "талапкерлерге / партияларга берилген добуштардын суммасы {0}, бирок протоколдо {1} жарактуу бюллетень көрсөтүлгөн",
                "сумма голосов за кандидатов / партии равна {0}, но в протоколе указано {1} действительных бюллетеней",
            ],
            IssuedOverReceived => [
                "{0} ballots issued, more than the {1} received",
                "{0} бюллетень берилген — алынган {1} бюллетенден көп",
                "выдано {0} бюллетеней — больше, чем получено ({1})",
            ],
            FoundOverIssued => [
                "{0} ballots found in the boxes, more than the {1} issued",
                "кутулардан {0} бюллетень табылган — берилген {1} бюллетенден көп",
                "в ящиках обнаружено {0} бюллетеней — больше, чем выдано ({1})",
            ],
            IssuedOverList => [
                "{0} ballots issued, more than the {1} voters on the list",
                "{0} бюллетень берилген — тизмедеги {1} шайлоочудан көп",
                "выдано {0} бюллетеней — больше, чем избирателей в списке ({1})",
            ],
            UrnOption => [
                "option {0}: the urn counted {1}, the protocol reports {2}",
                "{0}-талапкер / партия: урна {1} эсептеген, протоколдо {2}",
                "кандидат / партия № {0}: урна насчитала {1}, в протоколе {2}",
            ],
            UrnOptionCount => [
                "the urn reports {0} options, the protocol {1}",
                "урна {0} талапкерди / партияны көрсөтөт, протокол — {1}",
                "урна показывает {0} кандидатов / партий, протокол — {1}",
            ],
            UrnRead => [
                "the urn read {0} ballots, the protocol found {1} in the boxes",
                "урна {0} бюллетень окуган, протокол боюнча кутулардан {1} табылган",
                "урна считала {0} бюллетеней, по протоколу в ящиках обнаружено {1}",
            ],
            UrnRejected => [
                "the urn rejected {0} ballots, the protocol reports {1} invalid",
                "урна {0} бюллетенди четке каккан, протоколдо {1} жараксыз бюллетень көрсөтүлгөн",
                "урна отклонила {0} бюллетеней, в протоколе указано {1} недействительных",
            ],
            StationaryOverIdentified => [
                "{0} ballots in the stationary boxes, but only {1} voters were identified in the premises",
                "стационардык кутуларда {0} бюллетень, бирок добуш берүү жайында {1} гана шайлоочу идентификацияланган",
                "в стационарных ящиках {0} бюллетеней, но в помещении для голосования идентифицировано лишь {1} избирателей",
            ],
            MobileOverIdentified => [
                "{0} ballots in the mobile boxes, but only {1} voters were identified for the mobile box",
                "көчмө кутуларда {0} бюллетень, бирок көчмө куту үчүн {1} гана шайлоочу идентификацияланган",
                "в переносных ящиках {0} бюллетеней, но для голосования вне помещения идентифицировано лишь {1} избирателей",
            ],
            HourlyFalls => [
                "{0}:00 shows {1} identified, {2}:00 shows {3}",
                "саат {0}:00 боюнча {1} идентификацияланган, саат {2}:00 боюнча — {3}",
                "к {0}:00 идентифицировано {1}, к {2}:00 — {3}",
            ],
            HourlyOverTotal => [
                "{0}:00 shows {1} identified, more than the day's total of {2}",
                "саат {0}:00 боюнча {1} идентификацияланган — күндүн жалпы санынан ({2}) көп",
                "к {0}:00 идентифицировано {1} — больше, чем за весь день ({2})",
            ],
            StatementUnbalanced => [
                "opening {0} + credits {1} − debits {2} ≠ closing {3} (tyiyn)",
                "баштапкы калдык {0} + кирешелер {1} − чыгашалар {2} ≠ акыркы калдык {3} (тыйын)",
                "входящий остаток {0} + поступления {1} − списания {2} ≠ исходящий остаток {3} (тыйын)",
            ],
            FinalUndefinedContest => [
                "final result for contest {0}, which is not defined",
                "{0}-добуш берүүнүн жыйынтыгы жарыяланган, бирок мындай добуш берүү аныкталган эмес",
                "объявлен результат голосования № {0}, которое не определено",
            ],
            FinalOption => [
                "option {0}: announced {1}, the precinct protocols add up to {2}",
                "{0}-талапкер / партия: {1} жарыяланган, участоктордун протоколдорунун суммасы {2}",
                "кандидат / партия № {0}: объявлено {1}, по протоколам участков — {2}",
            ],
            FinalOptionCount => [
                "{0} totals announced for {1} options",
                "{1} талапкер / партия үчүн {0} жыйынтык жарыяланган",
                "объявлено {0} итогов для {1} кандидатов / партий",
            ],
            FinalPrecincts => [
                "{0} precincts announced as counted, {1} protocols count",
                "{0} участок эсептелди деп жарыяланган, протоколдор боюнча {1}",
                "объявлено, что учтено {0} участков, по протоколам — {1}",
            ],
            FinalAnnulled => [
                "annulled precincts announced {0}, annulled in the log {1}",
                "жыйынтыгы жараксыз деп табылган участоктор: жарыяланганы {0}, журналда {1}",
                "участки с недействительными итогами: объявлено {0}, в журнале {1}",
            ],
        }
    }
}

/// A finding's sentence with its figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub sentence: Sentence,
    pub figures: Vec<String>,
}

impl Message {
    pub fn new<T: ToString>(sentence: Sentence, figures: impl IntoIterator<Item = T>) -> Message {
        Message {
            sentence,
            figures: figures.into_iter().map(|f| f.to_string()).collect(),
        }
    }

    /// The sentence in `lang` (`en`, `ky`, `ru`; English otherwise), its figures in place.
    pub fn text(&self, lang: &str) -> String {
        let [en, ky, ru] = self.sentence.forms();
        let form = match lang {
            "ky" => ky,
            "ru" => ru,
            _ => en,
        };
        let mut out = String::with_capacity(form.len() + 16);
        let mut rest = form;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after
                .find('}')
                .and_then(|close| Some((close, after[..close].parse::<usize>().ok()?)))
            {
                Some((close, n)) => {
                    out.push_str(self.figures.get(n).map_or("?", String::as_str));
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// Whether the English sentence contains `part` (for tests and filters).
    pub fn contains(&self, part: &str) -> bool {
        self.text("en").contains(part)
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text("en"))
    }
}

/// A technical detail, said in English.
impl From<String> for Message {
    fn from(detail: String) -> Message {
        Message::new(Sentence::Detail, [detail])
    }
}

impl From<&str> for Message {
    fn from(detail: &str) -> Message {
        Message::from(detail.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [Sentence; 20] = {
        use Sentence::*;
        [
            Detail,
            MarkedNotFound,
            VotesNotValid,
            IssuedOverReceived,
            FoundOverIssued,
            IssuedOverList,
            UrnOption,
            UrnOptionCount,
            UrnRead,
            UrnRejected,
            StationaryOverIdentified,
            MobileOverIdentified,
            HourlyFalls,
            HourlyOverTotal,
            StatementUnbalanced,
            FinalUndefinedContest,
            FinalOption,
            FinalOptionCount,
            FinalPrecincts,
            FinalAnnulled,
        ]
    };

    /// The number of figures a form uses: one more than its highest `{n}`.
    fn places(form: &str) -> Vec<usize> {
        let mut found: Vec<usize> = form
            .split('{')
            .skip(1)
            .filter_map(|s| s.split('}').next()?.parse().ok())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    #[test]
    fn every_language_uses_every_figure_of_the_english() {
        for sentence in ALL {
            let [en, ky, ru] = sentence.forms();
            assert_eq!(places(ky), places(en), "{sentence:?} ky");
            assert_eq!(places(ru), places(en), "{sentence:?} ru");
            if sentence != Sentence::Detail {
                assert_ne!(ky, en, "{sentence:?} is not translated");
                assert_ne!(ru, en, "{sentence:?} is not translated");
            }
        }
    }

    #[test]
    fn figures_go_in_their_places() {
        let m = Message::new(Sentence::UrnOption, [2u64, 140, 139]);
        assert_eq!(
            m.text("en"),
            "option 2: the urn counted 140, the protocol reports 139"
        );
        assert_eq!(
            m.text("ru"),
            "кандидат / партия № 2: урна насчитала 140, в протоколе 139"
        );
        assert_eq!(m.text("xx"), m.to_string());
        let detail = Message::from("kind 99 is not a known record kind");
        assert_eq!(detail.text("ky"), "kind 99 is not a known record kind");
        // A figure the sentence lacks shows as "?", never a panic.
        assert_eq!(
            Message::new(Sentence::UrnRead, [1]).text("en"),
            "the urn read 1 ballots, the protocol found ? in the boxes"
        );
    }
}
