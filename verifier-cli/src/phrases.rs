//! The audit report's own sentences in Kyrgyz, Russian and English — the checkpoint it
//! accepted and why, what it read, its headings, the tally, the final-result comparison, the
//! documents and the verdict — said with the same template as the findings
//! (`election::audit::message::fill`), in the terms of `web-viewer/GLOSSARY.md` and the
//! viewer's `i18n-ky.js`, `i18n-ru.js` and `i18n-en.js`.

use election::audit::Figure;
use election::audit::message::fill;

election::listed_enum! {
    /// A sentence of the report; `{n}` in its forms is its n-th figure.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Phrase {
        /// No finding.
        FindingsNone,
        /// {0} findings under {1} rules.
        FindingsCount,
        /// {0} more findings of a rule not shown.
        AndMore,
        /// Contest {0} named {1}: the recomputed tally follows.
        TallyHeading,
        /// Candidate or party {0}, when the definition names none.
        Option,
        /// {0} valid and {1} invalid ballots; {2} precincts counted, {3} annulled, {4} without a protocol.
        Ballots,
        /// No election definition logged.
        NoDefinition,
        /// No final result logged.
        NoFinalResult,
        /// The final result of contest {0}, entry {1}, matches the tally.
        FinalMatches,
        /// The final result of contest {0}, entry {1}, does not match the tally.
        FinalDiffers,
        /// The log intact, no finding; the audit took {0} seconds.
        VerdictClean,
        /// The log intact, with findings; the audit took {0} seconds.
        VerdictProblems,
        /// Log {0} read at {1}.
        LogAt,
        /// Its checkpoint: {0} entries, root {1}.
        Checkpoint,
        /// The label of the signatures line.
        Signatures,
        /// Signed by the log, cosigned by {0} witnesses ({1}: their names, or nothing); the
        /// policy's quorum is {2}.
        SignedAndCosigned,
        /// The label of the history line.
        History,
        /// The first checkpoint seen of this log.
        HistoryFirst,
        /// The same tree as last time.
        HistoryUnchanged,
        /// Grown from a checkpoint of {0} entries; a consistency proof of {1} hashes.
        HistoryGrew,
        /// All {0} entries read; their root is the signed one.
        EntriesAll,
        /// Election {0}, checked from the root key {1}.
        ElectionFromRoot,
        /// No valid record names an election yet.
        NoElectionYet,
        /// {0} valid records of {1} entries, {2}: by kind, or nothing.
        Records,
        /// {0} keys enrolled.
        KeysEnrolled,
        /// {0} documents checked, all as referenced.
        DocumentsMatch,
        /// {0} documents checked, {1} not as referenced.
        DocumentsDiffer,
        /// A policy that asks no witness.
        QuorumNone,
    }
}

impl Phrase {
    /// English, Kyrgyz, Russian.
    fn forms(self) -> [&'static str; 3] {
        match self {
            Phrase::FindingsNone => [
                "findings: none — every audit rule passed",
                "аудиттин эскертүүлөрү: жок — аудиттин бардык эрежелери сакталды",
                "замечания аудита: нет — все правила аудита соблюдены",
            ],
            Phrase::FindingsCount => [
                "findings: {0} under {1} rule(s)",
                "аудиттин эскертүүлөрү: {0} (эрежелер: {1})",
                "замечания аудита: {0} (правил: {1})",
            ],
            Phrase::AndMore => ["… and {0} more", "… дагы: {0}", "… и ещё: {0}"],
            Phrase::TallyHeading => [
                "tally of contest {0} \"{1}\" (recomputed from the precinct protocols; annulled precincts left out):",
                "добуш берүү {0} «{1}»: участоктордун протоколдору боюнча кайра эсептелген жыйынтыктар (жыйынтыгы жараксыз деп табылган участоктор эсепке алынган жок):",
                "голосование {0} «{1}»: итоги, пересчитанные по протоколам участков (без участков, итоги голосования на которых признаны недействительными):",
            ],
            Phrase::Option => [
                "option {0}",
                "{0}-талапкер / партия",
                "кандидат / партия № {0}",
            ],
            Phrase::Ballots => [
                "ballots: {0} valid, {1} invalid; precincts: {2} counted, {3} annulled, {4} without a protocol",
                "жарактуу бюллетендер: {0}; жараксыз бюллетендер: {1}; эсептелген участоктор: {2}; жыйынтыгы жараксыз деп табылган участоктор: {3}; протоколу жок участоктор: {4}",
                "действительных бюллетеней: {0}; недействительных бюллетеней: {1}; учтено участков: {2}; участков, итоги на которых признаны недействительными: {3}; участков без протокола: {4}",
            ],
            Phrase::NoDefinition => [
                "tally: no election definition has been logged yet",
                "жыйынтыктар: шайлоонун аныктамасы журналга азырынча киргизиле элек",
                "итоги: описание выборов ещё не внесено в журнал",
            ],
            Phrase::NoFinalResult => [
                "final result: none logged yet",
                "шайлоонун жарыяланган натыйжасы: журналда азырынча жок",
                "объявленный результат выборов: в журнале его ещё нет",
            ],
            Phrase::FinalMatches => [
                "final result of contest {0} (entry {1}): matches the recomputed tally",
                "шайлоонун жарыяланган натыйжасы, добуш берүү {0} ({1}-жазуу): кайра эсептелген жыйынтыктарга дал келет",
                "объявленный результат выборов, голосование {0} (запись {1}): совпадает с пересчитанными итогами",
            ],
            Phrase::FinalDiffers => [
                "final result of contest {0} (entry {1}): DOES NOT MATCH the recomputed tally:",
                "шайлоонун жарыяланган натыйжасы, добуш берүү {0} ({1}-жазуу): кайра эсептелген жыйынтыктардан АЙЫРМАЛАНАТ:",
                "объявленный результат выборов, голосование {0} (запись {1}): РАСХОДИТСЯ с пересчитанными итогами:",
            ],
            Phrase::VerdictClean => [
                "verdict: the log is intact, and the election records passed every check ({0} s)",
                "корутунду: журнал бүтүн, шайлоо жазуулары бардык текшерүүлөрдөн өттү ({0} сек.)",
                "вывод: журнал цел, записи о выборах прошли все проверки ({0} с)",
            ],
            Phrase::VerdictProblems => [
                "verdict: the log is intact, but the election records have the problems listed above ({0} s)",
                "корутунду: журнал бүтүн, бирок шайлоо жазууларында жогоруда саналган эскертүүлөр бар ({0} сек.)",
                "вывод: журнал цел, но в записях о выборах есть замечания, перечисленные выше ({0} с)",
            ],
            Phrase::LogAt => [
                "log {0} at {1}",
                "{0} журналы, дареги: {1}",
                "журнал {0}, адрес: {1}",
            ],
            Phrase::Checkpoint => [
                "checkpoint: {0} entries, root {1}",
                "текшерүү чекити: {0} жазуу, тамыр хеши {1}",
                "контрольная точка (записей: {0}), корневой хеш {1}",
            ],
            Phrase::Signatures => ["signatures", "кол тамгалар", "подписи"],
            Phrase::SignedAndCosigned => [
                "signed by the log's key; cosigned by {0} witness(es){1} — your policy's quorum is {2}",
                "журналдын ачкычы менен кол коюлган; күбөлөндүргөндөр: {0}{1} — сиздин ишеним саясатыңыздын кворуму: {2}",
                "подписано ключом журнала; заверителей: {0}{1} — кворум вашей политики доверия: {2}",
            ],
            Phrase::History => ["history", "тарых", "история"],
            Phrase::HistoryFirst => [
                "first checkpoint this verifier has seen for this log: remembered for next time",
                "бул текшерүүчү программа бул журналдын текшерүү чекитин биринчи жолу көрүп жатат: ал кийинки жолу үчүн сакталды",
                "этот верификатор впервые видит контрольную точку этого журнала: она сохранена для следующей проверки",
            ],
            Phrase::HistoryUnchanged => [
                "the same tree this verifier accepted last time",
                "бул текшерүүчү программа акыркы жолу кабыл алган ошол эле дарак",
                "то же дерево, которое этот верификатор принял в прошлый раз",
            ],
            Phrase::HistoryGrew => [
                "consistent with the checkpoint of size {0} accepted earlier: the log only grew (consistency proof of {1} hashes verified)",
                "мурда кабыл алынган текшерүү чекити ({0} жазуу) менен дал келет: журналга жаңы жазуулар гана кошулган ({1} хештен турган дал келүүнүн далили текшерилди)",
                "согласуется с ранее принятой контрольной точкой (записей: {0}): журнал только пополнялся (доказательство согласованности проверено, хешей: {1})",
            ],
            Phrase::EntriesAll => [
                "entries: all {0} downloaded; their recomputed Merkle root matches the signed checkpoint",
                "жазуулар: бардыгы жүктөлдү ({0}); алар боюнча кайра эсептелген Меркл дарагынын тамыр хеши кол коюлган текшерүү чекитиндеги тамыр хешине дал келет",
                "записи: загружены все ({0}); корневой хеш дерева Меркла, пересчитанный по ним, совпадает с корневым хешем подписанной контрольной точки",
            ],
            Phrase::ElectionFromRoot => [
                "election {0}, checked from the CEC root key {1}",
                "шайлоо: {0}; БШКнын тамыр ачкычынан баштап текшерилди: {1}",
                "выборы {0}, проверены начиная с корневого ключа ЦИК {1}",
            ],
            Phrase::NoElectionYet => [
                "(no valid record yet)",
                "(азырынча жарактуу жазуу жок)",
                "(пока нет действительных записей)",
            ],
            Phrase::Records => [
                "records: {0} valid of {1} entries{2}",
                "жазуулар: {1} жазуунун ичинен жарактуусу {0}{2}",
                "записи: действительных {0} из {1}{2}",
            ],
            Phrase::KeysEnrolled => [
                "keys enrolled: {0}; every record's signer was checked through the enrollment chain",
                "катталган ачкычтар: {0}; ар бир жазуунун кол коюучусу ачкычтарды каттоо чынжыры боюнча текшерилди",
                "зарегистрированных ключей: {0}; подписант каждой записи проверен по цепочке регистрации ключей",
            ],
            Phrase::DocumentsMatch => [
                "documents: {0} checked; each has the size and SHA-256 its record references",
                "документтер: {0} текшерилди; ар биринин өлчөмү жана SHA-256 хеши өз жазуусунда көрсөтүлгөнгө дал келет",
                "документы: проверено {0}; размер и хеш SHA-256 каждого совпадают с указанными в его записи",
            ],
            Phrase::QuorumNone => ["none", "талап кылынбайт", "не требуется"],
            Phrase::DocumentsDiffer => [
                "documents: {0} checked; {1} do not match their records:",
                "документтер: {0} текшерилди; алардын ичинен өз жазууларына дал келбегендери: {1}:",
                "документы: проверено {0}; не совпадают со своими записями: {1}:",
            ],
        }
    }

    /// A sentence without figures in `lang` (`en`, `ky`, `ru`).
    pub fn text(self, lang: &str) -> String {
        fill(self.forms(), &[], lang)
    }

    /// The sentence in `lang` (`en`, `ky`, `ru`), `figures` in place.
    pub fn say<T: ToString>(self, lang: &str, figures: impl IntoIterator<Item = T>) -> String {
        let figures: Vec<Figure> = figures
            .into_iter()
            .map(|f| Figure::Text(f.to_string()))
            .collect();
        fill(self.forms(), &figures, lang)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each language's form uses exactly the figures the English one does, and is its own.
    #[test]
    fn every_form_has_the_english_figures_and_is_translated() {
        let slots = |form: &str| {
            let mut found: Vec<usize> = (0..10)
                .filter(|n| form.contains(&format!("{{{n}}}")))
                .collect();
            found.sort_unstable();
            found
        };
        for &phrase in Phrase::ALL {
            let [en, ky, ru] = phrase.forms();
            assert_eq!(slots(ky), slots(en), "{phrase:?} ky");
            assert_eq!(slots(ru), slots(en), "{phrase:?} ru");
            assert!(ky != en && ru != en && ky != ru, "{phrase:?}");
        }
    }

    #[test]
    fn figures_go_in_their_places() {
        assert_eq!(
            Phrase::FinalMatches.say("ru", [1, 344]),
            "объявленный результат выборов, голосование 1 (запись 344): совпадает с пересчитанными итогами"
        );
        assert_eq!(Phrase::AndMore.say("en", [7]), "… and 7 more");
        assert_eq!(Phrase::Option.say("ky", [3]), "3-талапкер / партия");
    }
}
