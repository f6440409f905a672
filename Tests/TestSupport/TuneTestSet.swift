/// A small BEIR set for `rag tune`'s tests: 30 short documents and 12 judged queries, some worded as the documents
/// are (keyword search finds them) and some paraphrased (dense search does better), so settings matter.
import Foundation

public enum TuneTestSet {
    public static let documents: [(id: String, title: String, text: String)] = [
        ("d01", "Emperor penguins", "Emperor penguins breed during the Antarctic winter, males incubating the single egg on their feet."),
        ("d02", "Camels", "Camels store fat in their humps and can go for days without drinking water in the desert."),
        ("d03", "Owls", "Owls hunt at night; their serrated feathers make their flight almost silent."),
        ("d04", "Honeybees", "Honeybees tell hive mates where flowers are with a waggle dance whose angle points to the food."),
        ("d05", "Octopus", "An octopus has three hearts and blue blood that carries oxygen with copper-based hemocyanin."),
        ("d06", "Tardigrades", "Tardigrades survive drying out, freezing and even the vacuum of space by entering a tun state."),
        ("d07", "Photosynthesis", "Plants turn sunlight, water and carbon dioxide into sugar and oxygen in their chloroplasts."),
        ("d08", "Volcanoes", "Magma rising through the crust erupts as lava, ash and gas from volcanic vents."),
        ("d09", "Earthquakes", "Earthquakes happen when tectonic plates slip suddenly along a fault, releasing stored strain."),
        ("d10", "Tides", "Ocean tides rise and fall twice a day, pulled by the gravity of the Moon and the Sun."),
        ("d11", "Rainbows", "A rainbow appears when sunlight is refracted, reflected and dispersed inside raindrops."),
        ("d12", "Lightning", "Lightning is an electrical discharge between charged regions of a storm cloud and the ground."),
        ("d13", "Vaccines", "Vaccines train the immune system to recognise a pathogen without causing the disease."),
        ("d14", "Antibiotics", "Antibiotics kill bacteria or stop them growing but do nothing against viruses."),
        ("d15", "Insulin", "Insulin, made by the pancreas, lets cells take up glucose from the blood."),
        ("d16", "Sleep", "During deep sleep the brain clears waste and consolidates memories formed during the day."),
        ("d17", "Coffee", "Caffeine in coffee blocks adenosine receptors, which is why it keeps people awake."),
        ("d18", "Bread", "Yeast ferments sugars in dough, releasing carbon dioxide that makes bread rise."),
        ("d19", "Cheese", "Cheese is made by curdling milk with rennet and then pressing and ageing the curds."),
        ("d20", "Chocolate", "Chocolate comes from cacao beans that are fermented, dried, roasted and ground."),
        ("d21", "Steam engines", "James Watt's separate condenser made steam engines far more efficient in the 1770s."),
        ("d22", "Printing press", "Johannes Gutenberg's movable-type printing press spread books across Europe after 1450."),
        ("d23", "Telephone", "Alexander Graham Bell patented the telephone in 1876, turning speech into electrical signals."),
        ("d24", "Penicillin", "Alexander Fleming noticed in 1928 that a mould, Penicillium, killed bacteria in a dish."),
        ("d25", "Transistors", "The transistor, invented at Bell Labs in 1947, switches and amplifies electrical signals."),
        ("d26", "Glaciers", "Glaciers form where more snow falls each winter than melts each summer, compacting into ice."),
        ("d27", "Deserts", "Deserts receive less than 250 millimetres of rain a year; some are cold, like Antarctica."),
        ("d28", "Coral reefs", "Coral reefs are built by tiny animals whose algae partners give them food and colour."),
        ("d29", "Rainforests", "Tropical rainforests hold more than half of the species of land animals and plants."),
        ("d30", "Migration", "Arctic terns migrate from the Arctic to the Antarctic and back, the longest journey of any bird."),
    ]

    public static let queries: [(id: String, text: String, relevant: [String])] = [
        ("q01", "where do emperor penguins breed", ["d01"]),
        ("q02", "animal that survives long periods without drinking in dry places", ["d02"]),
        ("q03", "why can't mice hear a hunting bird coming", ["d03"]),
        ("q04", "how insects communicate the location of nectar", ["d04"]),
        ("q05", "creature with three hearts", ["d05"]),
        ("q06", "what causes the sea level to change during the day", ["d10"]),
        ("q07", "why does bread dough get bigger", ["d18"]),
        ("q08", "who invented the telephone", ["d23"]),
        ("q09", "discovery of the first antibiotic from mould", ["d24", "d14"]),
        ("q10", "hormone that controls blood sugar", ["d15"]),
        ("q11", "why does coffee keep you awake", ["d17"]),
        ("q12", "bird with the longest yearly journey", ["d30"]),
    ]

    /// The same three files as the smaller BEIR test set.
    public typealias Files = BEIRTestCorpus.Files

    /// Writes corpus.jsonl, queries.jsonl and qrels.tsv into `directory`.
    public static func write(to directory: URL) throws -> Files {
        let files = BEIRTestCorpus.files(in: directory)
        func line(_ object: [String: String]) throws -> String {
            String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
        }
        try documents.map { try line(["_id": $0.id, "title": $0.title, "text": $0.text]) }.joined(separator: "\n")
            .appending("\n").write(to: files.corpus, atomically: true, encoding: .utf8)
        try queries.map { try line(["_id": $0.id, "text": $0.text]) }.joined(separator: "\n")
            .appending("\n").write(to: files.queries, atomically: true, encoding: .utf8)
        var tsv = "query-id\tcorpus-id\tscore\n"
        for q in queries { for d in q.relevant { tsv += "\(q.id)\t\(d)\t1\n" } }
        try tsv.write(to: files.qrels, atomically: true, encoding: .utf8)
        return files
    }
}
